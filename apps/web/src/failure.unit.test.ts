import { createTidelineClient } from '@tideline/client';
import { describe, expect, it } from 'vitest';
import { DemoUnavailableError } from './demo-session';
import { failureOf, isFinal } from './failure';

/** The error the client throws when the server answers `body` with `status`. */
async function refusal(status: number, tideline: Record<string, unknown>): Promise<unknown> {
  const body = { error: { code: -32000, message: 'x', data: { httpStatus: status, tideline } } };
  const fetch = async () =>
    new Response(JSON.stringify([body]), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  const client = createTidelineClient({ url: 'https://x.example', token: 't', fetch });
  return client.feeds.read.query({ group: 'timeline', id: 'ana' }).catch((error: unknown) => error);
}

describe('failureOf', () => {
  it('reads a 401 as a refused session, not to be retried', async () => {
    const failure = failureOf(
      await refusal(401, { code: 'UNAUTHENTICATED', message: 'token: has expired' }),
    );

    expect(failure).toEqual({ kind: 'unauthenticated', message: 'token: has expired' });
    expect(isFinal(failure)).toBe(true);
  });

  it('reads a 429 with the seconds to wait', async () => {
    const failure = failureOf(
      await refusal(429, {
        code: 'RATE_LIMITED',
        message: 'rate limit reached',
        details: { retryAfterSeconds: 12 },
      }),
    );

    expect(failure).toEqual({ kind: 'rate-limited', retryAfterSeconds: 12 });
    expect(isFinal(failure)).toBe(true);
  });

  it('reads a request that got no answer as offline, worth retrying', async () => {
    const fetch = () => Promise.reject(new TypeError('Failed to fetch'));
    const client = createTidelineClient({ url: 'https://x.example', token: 't', fetch });
    const error = await client.feeds.read
      .query({ group: 'timeline', id: 'ana' })
      .catch((caught: unknown) => caught);

    expect(failureOf(error)).toEqual({ kind: 'offline' });
    expect(isFinal(failureOf(error))).toBe(false);
  });

  it('reads a server outside demo mode as unavailable, saying how to turn it on', () => {
    expect(failureOf(new DemoUnavailableError(404))).toEqual({
      kind: 'unavailable',
      message: 'This server is not in demo mode. Start it with DEMO=1 (see the README).',
    });
  });
});
