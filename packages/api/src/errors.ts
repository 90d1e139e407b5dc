import {
  formatIssues,
  isTidelineError,
  TidelineError,
  trpcCodeOf,
  validationError,
} from '@tideline/domain';
import { isTransientError } from '@tideline/event-store';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';

/** What tRPC and its REST adapter raise on their own, as Tideline errors. */
const transportFailures: Partial<Record<TRPCError['code'], () => TidelineError>> = {
  PARSE_ERROR: () => validationError([{ path: 'body', message: 'is not valid JSON' }]),
  PAYLOAD_TOO_LARGE: () =>
    new TidelineError('PAYLOAD_TOO_LARGE', 'request body: must be at most 1 MiB'),
  UNSUPPORTED_MEDIA_TYPE: () =>
    new TidelineError('UNSUPPORTED_MEDIA_TYPE', 'content-type: must be application/json'),
  METHOD_NOT_SUPPORTED: () =>
    new TidelineError('METHOD_NOT_ALLOWED', 'this path does not take that method'),
  NOT_FOUND: () => new TidelineError('NOT_FOUND', 'no such route'),
};

/**
 * Whatever went wrong, as the one error type clients see: Tideline errors as they are,
 * zod failures as VALIDATION_FAILED naming each field, an unreachable PostgreSQL or Redis
 * as SERVICE_UNAVAILABLE, anything else as INTERNAL (its details stay in the logs).
 *
 * @example
 * toTidelineError(new TRPCError({ code: 'PARSE_ERROR' })).code; // 'VALIDATION_FAILED'
 */
export function toTidelineError(error: unknown): TidelineError {
  if (isTidelineError(error)) return error;
  if (error instanceof z.ZodError) return validationError(formatIssues(error.issues));
  if (error instanceof TRPCError) {
    if (error.cause !== undefined) {
      const inner = toTidelineError(error.cause);
      if (inner.code !== 'INTERNAL') return inner;
    }
    return transportFailures[error.code]?.() ?? internal(error.cause ?? error);
  }
  if (isTransientError(error)) {
    return new TidelineError(
      'SERVICE_UNAVAILABLE',
      'PostgreSQL or Redis is unreachable; nothing was changed, retry shortly',
    );
  }
  return internal(error);
}

/** A bug: clients see no detail; the original stays the cause, for the logs. */
function internal(cause: unknown): TidelineError {
  return new TidelineError('INTERNAL', 'internal error', undefined, { cause });
}

/** The TRPCError that carries `failure` through tRPC with the status its code maps to. */
export function toTrpcError(failure: TidelineError): TRPCError {
  return new TRPCError({
    code: trpcCodeOf(failure.code),
    message: failure.message,
    cause: failure,
  });
}
