import { TidelineError } from '@tideline/domain';
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toTidelineError, toTrpcError } from './errors.js';

describe('toTidelineError', () => {
  it('given a Tideline error, when mapped, then it is kept as is', () => {
    const error = new TidelineError('NOT_FOUND', 'activity x does not exist');
    expect(toTidelineError(error)).toBe(error);
  });

  it('given a zod failure wrapped by tRPC, when mapped, then VALIDATION_FAILED names the field', () => {
    const zod = z.object({ limit: z.number() }).safeParse({ limit: 'x' }).error;
    const mapped = toTidelineError(new TRPCError({ code: 'BAD_REQUEST', cause: zod }));
    expect(mapped.code).toBe('VALIDATION_FAILED');
    expect(mapped.details?.fields?.[0]?.path).toBe('limit');
  });

  it.each([
    ['PARSE_ERROR', 'VALIDATION_FAILED', 'body: is not valid JSON'],
    ['PAYLOAD_TOO_LARGE', 'PAYLOAD_TOO_LARGE', 'request body: must be at most 1 MiB'],
    ['UNSUPPORTED_MEDIA_TYPE', 'UNSUPPORTED_MEDIA_TYPE', 'content-type: must be application/json'],
    ['METHOD_NOT_SUPPORTED', 'METHOD_NOT_ALLOWED', 'this path does not take that method'],
  ] as const)('given tRPC %s, when mapped, then %s', (trpcCode, code, message) => {
    expect(toTidelineError(new TRPCError({ code: trpcCode })).toJSON()).toMatchObject({
      code,
      message,
    });
  });

  it('given an unreachable dependency, when mapped, then SERVICE_UNAVAILABLE', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    expect(
      toTidelineError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: refused })).code,
    ).toBe('SERVICE_UNAVAILABLE');
    expect(toTidelineError(new Error('Connection is closed.')).code).toBe('SERVICE_UNAVAILABLE');
  });

  it('given a bug, when mapped, then INTERNAL without its message, but keeping it as the cause', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    const mapped = toTidelineError(bug);
    expect(mapped.toJSON()).toEqual({ code: 'INTERNAL', message: 'internal error' });
    expect(mapped.cause).toBe(bug);
  });

  it('given a Tideline error, when carried through tRPC, then its code picks the tRPC code', () => {
    expect(toTrpcError(new TidelineError('RATE_LIMITED', 'slow down')).code).toBe(
      'TOO_MANY_REQUESTS',
    );
  });
});
