/**
 * Every failure Tideline reports carries one of these codes. The list is the contract
 * clients switch on; the table below is the only place a code meets a transport.
 */
export const errorCodes = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'VERSION_CONFLICT',
  'IDEMPOTENCY_CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'HEADERS_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'METHOD_NOT_ALLOWED',
  'RATE_LIMITED',
  'INTERNAL',
  'SERVICE_UNAVAILABLE',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** tRPC error codes we map onto; spelled out so `domain` needs no tRPC dependency. */
export type TrpcErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'METHOD_NOT_SUPPORTED'
  | 'TOO_MANY_REQUESTS'
  | 'INTERNAL_SERVER_ERROR'
  | 'SERVICE_UNAVAILABLE';

/** One row per code, so tRPC and REST can never disagree about a status. */
export const errorCodeTable = {
  VALIDATION_FAILED: { httpStatus: 400, trpcCode: 'BAD_REQUEST' },
  UNAUTHENTICATED: { httpStatus: 401, trpcCode: 'UNAUTHORIZED' },
  FORBIDDEN: { httpStatus: 403, trpcCode: 'FORBIDDEN' },
  NOT_FOUND: { httpStatus: 404, trpcCode: 'NOT_FOUND' },
  // An append's expected stream version did not match; details carry the actual version.
  VERSION_CONFLICT: { httpStatus: 409, trpcCode: 'CONFLICT' },
  // A retried request (same idempotency key or event id) arrived with a different payload.
  IDEMPOTENCY_CONFLICT: { httpStatus: 409, trpcCode: 'CONFLICT' },
  PAYLOAD_TOO_LARGE: { httpStatus: 413, trpcCode: 'PAYLOAD_TOO_LARGE' },
  // A request line and headers over Node's 16 KiB: refused before any router sees it, so
  // never a tRPC error; the nearest tRPC code stands in for the table's sake.
  HEADERS_TOO_LARGE: { httpStatus: 431, trpcCode: 'PAYLOAD_TOO_LARGE' },
  UNSUPPORTED_MEDIA_TYPE: { httpStatus: 415, trpcCode: 'UNSUPPORTED_MEDIA_TYPE' },
  METHOD_NOT_ALLOWED: { httpStatus: 405, trpcCode: 'METHOD_NOT_SUPPORTED' },
  RATE_LIMITED: { httpStatus: 429, trpcCode: 'TOO_MANY_REQUESTS' },
  INTERNAL: { httpStatus: 500, trpcCode: 'INTERNAL_SERVER_ERROR' },
  SERVICE_UNAVAILABLE: { httpStatus: 503, trpcCode: 'SERVICE_UNAVAILABLE' },
} as const satisfies Record<ErrorCode, { httpStatus: number; trpcCode: TrpcErrorCode }>;

/** One offending input field: `path` like `to[3]` (empty for the input as a whole). */
export type FieldError = Readonly<{ path: string; message: string }>;

/** Free-form context; validation failures put their offending fields under `fields`. */
export type TidelineErrorDetails = {
  readonly fields?: readonly FieldError[];
  readonly [key: string]: unknown;
};

/**
 * The one error type Tideline throws on purpose.
 *
 * @example
 * throw new TidelineError('NOT_FOUND', 'activity 01J… does not exist');
 */
export class TidelineError extends Error {
  override readonly name = 'TidelineError';
  readonly code: ErrorCode;
  readonly details: TidelineErrorDetails | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    details?: TidelineErrorDetails,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  get httpStatus(): number {
    return httpStatusOf(this.code);
  }

  /** The JSON body both APIs send: a stable `code`, a human `message`, optional `details`. */
  toJSON(): { code: ErrorCode; message: string; details?: TidelineErrorDetails } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/**
 * HTTP status for an error code.
 *
 * @example
 * httpStatusOf('VERSION_CONFLICT'); // 409
 */
export function httpStatusOf(code: ErrorCode): number {
  return errorCodeTable[code].httpStatus;
}

/**
 * tRPC error code for an error code.
 *
 * @example
 * trpcCodeOf('RATE_LIMITED'); // 'TOO_MANY_REQUESTS'
 */
export function trpcCodeOf(code: ErrorCode): TrpcErrorCode {
  return errorCodeTable[code].trpcCode;
}

/**
 * Narrows an unknown thrown value.
 *
 * @example
 * if (isTidelineError(error) && error.code === 'NOT_FOUND') return null;
 */
export function isTidelineError(value: unknown): value is TidelineError {
  return value instanceof TidelineError;
}
