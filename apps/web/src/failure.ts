import { TRPCClientError, tidelineErrorOf } from '@tideline/client';
import { DemoUnavailableError } from './demo-session';

/** What the app tells the user about a failed call. */
export type Failure =
  | { kind: 'offline' }
  | { kind: 'unauthenticated'; message: string }
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  | { kind: 'unavailable'; message: string }
  | { kind: 'other'; message: string };

/**
 * Sorts an error from the client (or the demo sign-in) into what the user can do about
 * it: wait for the network, sign in again, slow down, or retry later.
 *
 * @example
 * failureOf(error); // { kind: 'rate-limited', retryAfterSeconds: 12 }
 */
export function failureOf(error: unknown): Failure {
  if (error instanceof DemoUnavailableError) {
    return { kind: 'unavailable', message: error.message };
  }
  const tideline = tidelineErrorOf(error);
  if (tideline === undefined) {
    if (isNetworkFailure(error)) return { kind: 'offline' };
    return { kind: 'other', message: error instanceof Error ? error.message : String(error) };
  }
  switch (tideline.code) {
    case 'UNAUTHENTICATED':
      return { kind: 'unauthenticated', message: tideline.message };
    case 'RATE_LIMITED': {
      const seconds = tideline.details?.retryAfterSeconds;
      return {
        kind: 'rate-limited',
        retryAfterSeconds: typeof seconds === 'number' ? seconds : 60,
      };
    }
    case 'SERVICE_UNAVAILABLE':
      return { kind: 'unavailable', message: tideline.message };
    default:
      return { kind: 'other', message: tideline.message };
  }
}

/** Calls that the same request would fail again: no automatic retry. */
export function isFinal(failure: Failure): boolean {
  return (
    failure.kind === 'unauthenticated' ||
    failure.kind === 'rate-limited' ||
    failure.kind === 'other'
  );
}

/** `fetch` rejects with a TypeError when no answer came at all (offline, server down). */
function isNetworkFailure(error: unknown): boolean {
  const cause = error instanceof TRPCClientError ? error.cause : error;
  return cause instanceof TypeError;
}
