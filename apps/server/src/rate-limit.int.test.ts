import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEventStream } from './testing/sse-reader.js';
import { startTestServer, type TestServer } from './testing/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer('rate_limit', {
    rateLimits: { userPerMinute: 3, serverPerMinute: 0 },
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
