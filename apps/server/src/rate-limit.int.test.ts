import { type IncomingHttpHeaders, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { openEventStream } from './testing/sse-reader.js';
import { startTestServer, TEST_API_KEY, type TestServer } from './testing/test-server.js';

/** Failed authentications allowed per client address and minute, in this file. */
const AUTH_FAILURES = 5;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer('rate_limit', {
    rateLimits: { userPerMinute: 3, serverPerMinute: 0, authFailuresPerMinute: AUTH_FAILURES },
  });
});
afterAll(() => server.close());

describe('rate limits per token', () => {
  it('answers 429 with Retry-After once a user token spends its minute, sparing other tokens', async () => {
    const ana = await server.tokenFor('ana');
    const bob = await server.tokenFor('bob');
    const read = (token: string, user: string) =>
      server.request(`/api/v1/feeds/timeline/${user}/activities`, { token });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await read(ana, 'ana')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);

    const refused = await read(ana, 'ana');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await refused.json()).toMatchObject({
      code: 'RATE_LIMITED',
      details: { retryAfterSeconds: retryAfter },
    });

    // Another user's token and the server key (unlimited here) are not affected.
    expect((await read(bob, 'bob')).status).toBe(200);
    expect((await server.request('/api/v1/feeds/timeline/ana/activities')).status).toBe(200);
  });

  it('counts opening a live stream against the same limit, with Retry-After on the 429', async () => {
    const dora = await server.tokenFor('dora');
    const open = () =>
      openEventStream(`${server.url}/api/v1/feeds/notification/dora/stream`, {
        authorization: `Bearer ${dora}`,
      });
    const streams = [await open(), await open(), await open(), await open()];
    try {
      expect(streams.map((s) => s.response.status)).toEqual([200, 200, 200, 429]);
      expect(Number(streams[3]?.response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await Promise.all(streams.map((s) => s.close()));
    }
  });

  it('counts tRPC calls against the same limit', async () => {
    const cleo = await server.tokenFor('cleo');
    const input = encodeURIComponent(JSON.stringify({ group: 'timeline', id: 'cleo' }));
    const statuses = [];
    for (let i = 0; i < 4; i += 1) {
      const response = await server.request(`/trpc/feeds.read?input=${input}`, { token: cleo });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: { code?: string; details?: { retryAfterSeconds?: number } };
}

/**
 * A GET from `source`, another loopback address (127.0.0.0/8 all reach this machine), so
 * each test is a client of its own; `fetch` cannot choose its source address.
 */
function getFrom(source: string, path: string, token: string | null): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const call = request(`${server.url}${path}`, {
      localAddress: source,
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });
    call.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
        // An event stream that opened does not end: its first bytes are enough.
        if (response.statusCode === 200) response.destroy();
      });
      response.on('close', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: response.statusCode === 200 ? {} : JSON.parse(text),
        }),
      );
    });
    call.on('error', reject);
    call.end();
  });
}

/** One `feeds.read` over a WebSocket from `source`: `ok`, or the error's Tideline code. */
async function readOverWebSocketFrom(source: string, token: string): Promise<string> {
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}/trpc`, {
    localAddress: source,
    headers: { authorization: `Bearer ${token}` },
  });
  try {
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const reply = new Promise<string>((resolve) =>
      socket.once('message', (data) => resolve(String(data))),
    );
    socket.send(
      JSON.stringify({
        id: 1,
        method: 'query',
        params: { path: 'feeds.read', input: { group: 'user', id: 'ana' } },
      }),
    );
    const frame = JSON.parse(await reply) as {
      error?: { data?: { tideline?: { code?: string } } };
    };
    return frame.error?.data?.tideline?.code ?? 'ok';
  } finally {
    socket.terminate();
  }
}

const wrongKey = 'wrong-key-0123456789abcdef-guess';
const read = '/api/v1/feeds/user/ana/activities';

describe('rate limits on failed authentication, per client address', () => {
  it('refuses every request from an address with 429 and Retry-After once it has spent its failures, the right key too', async () => {
    const statuses = [];
    for (let i = 0; i < AUTH_FAILURES; i += 1) {
      statuses.push((await getFrom('127.0.0.2', read, wrongKey)).status);
    }
    expect(statuses).toEqual(Array.from({ length: AUTH_FAILURES }, () => 401));

    const refused = await getFrom('127.0.0.2', read, wrongKey);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body).toMatchObject({
      code: 'RATE_LIMITED',
      details: { retryAfterSeconds: retryAfter },
    });
    // Blocked before the token is checked: a guess that happens to be right is no different.
    expect((await getFrom('127.0.0.2', read, TEST_API_KEY)).status).toBe(429);
  });

  it('spares other addresses, and requests that present no token at all', async () => {
    for (let i = 0; i <= AUTH_FAILURES; i += 1) await getFrom('127.0.0.3', read, wrongKey);
    expect((await getFrom('127.0.0.3', read, TEST_API_KEY)).status).toBe(429);

    expect((await getFrom('127.0.0.4', read, TEST_API_KEY)).status).toBe(200);
    expect((await getFrom('127.0.0.4', read, wrongKey)).status).toBe(401);
    const anonymous = [];
    for (let i = 0; i < AUTH_FAILURES * 2; i += 1) {
      anonymous.push((await getFrom('127.0.0.5', read, null)).status);
    }
    expect(new Set(anonymous)).toEqual(new Set([401]));
    expect((await getFrom('127.0.0.5', read, TEST_API_KEY)).status).toBe(200);
  });

  it('counts failures over tRPC, the REST event stream and WebSocket alike, and blocks them all', async () => {
    const source = '127.0.0.6';
    const input = encodeURIComponent(JSON.stringify({ group: 'user', id: 'ana' }));
    const failures = [
      (await getFrom(source, `/trpc/feeds.read?input=${input}`, wrongKey)).status,
      (await getFrom(source, '/api/v1/feeds/user/ana/stream', wrongKey)).status,
      await readOverWebSocketFrom(source, wrongKey),
      await readOverWebSocketFrom(source, wrongKey),
      (await getFrom(source, read, wrongKey)).status,
    ];
    expect(failures).toEqual([401, 401, 'UNAUTHENTICATED', 'UNAUTHENTICATED', 401]);
    expect(failures).toHaveLength(AUTH_FAILURES);

    expect(await readOverWebSocketFrom(source, TEST_API_KEY)).toBe('RATE_LIMITED');
    expect((await getFrom(source, '/api/v1/feeds/user/ana/stream', TEST_API_KEY)).status).toBe(429);
    expect((await getFrom(source, `/trpc/feeds.read?input=${input}`, TEST_API_KEY)).status).toBe(
      429,
    );
  });
});
