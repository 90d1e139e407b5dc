import { describe, expect, it } from 'vitest';
import {
  type ErrorCode,
  errorCodes,
  errorCodeTable,
  httpStatusOf,
  isTidelineError,
  TidelineError,
  trpcCodeOf,
} from './errors.js';

describe('errors', () => {
  it.each([
    ['VALIDATION_FAILED', 400, 'BAD_REQUEST'],
    ['UNAUTHENTICATED', 401, 'UNAUTHORIZED'],
    ['FORBIDDEN', 403, 'FORBIDDEN'],
    ['NOT_FOUND', 404, 'NOT_FOUND'],
    ['VERSION_CONFLICT', 409, 'CONFLICT'],
    ['IDEMPOTENCY_CONFLICT', 409, 'CONFLICT'],
    ['PAYLOAD_TOO_LARGE', 413, 'PAYLOAD_TOO_LARGE'],
    ['RATE_LIMITED', 429, 'TOO_MANY_REQUESTS'],
    ['INTERNAL', 500, 'INTERNAL_SERVER_ERROR'],
    ['SERVICE_UNAVAILABLE', 503, 'SERVICE_UNAVAILABLE'],
  ] as const)('given %s, when mapped, then it is HTTP %i and tRPC %s', (code, status, trpc) => {
    expect([httpStatusOf(code), trpcCodeOf(code)]).toEqual([status, trpc]);
  });

  it('given the code list, when counted, then every code has a row in the table', () => {
    expect(Object.keys(errorCodeTable).sort()).toEqual([...errorCodes].sort());
    expect(new Set(errorCodes).size).toBe(13);
  });

  it('given a code and details, when constructed, then they are kept alongside the message', () => {
    const error = new TidelineError('VERSION_CONFLICT', 'stream moved', { actualVersion: 7 });
    expect([error.code, error.message, error.details, error.httpStatus, error.name]).toEqual([
      'VERSION_CONFLICT',
      'stream moved',
      { actualVersion: 7 },
      409,
      'TidelineError',
    ]);
  });

  it('given a cause, when constructed, then it is kept for logs', () => {
    const cause = new Error('ECONNREFUSED');
    expect(new TidelineError('SERVICE_UNAVAILABLE', 'redis down', undefined, { cause }).cause).toBe(
      cause,
    );
  });

  it('given an error with details, when serialised, then the body has code, message and details', () => {
    const fields = [{ path: 'actor', message: 'is required' }];
    expect(
      JSON.parse(
        JSON.stringify(new TidelineError('VALIDATION_FAILED', 'actor: is required', { fields })),
      ),
    ).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'actor: is required',
      details: { fields },
    });
  });

  it('given an error without details, when serialised, then the body has no details key', () => {
    expect(new TidelineError('NOT_FOUND', 'no such activity').toJSON()).toEqual({
      code: 'NOT_FOUND',
      message: 'no such activity',
    });
  });

  it.each([
    [new TidelineError('FORBIDDEN' satisfies ErrorCode, 'no'), true],
    [new Error('plain'), false],
    [{ code: 'FORBIDDEN', message: 'lookalike' }, false],
  ])('given %o, when checked, then isTidelineError is %s', (value, expected) => {
    expect(isTidelineError(value)).toBe(expected);
  });
});
