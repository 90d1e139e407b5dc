import { waitFor } from '@tideline/event-store/testing';
import { startRedisServer, type TestRedisServer } from '@tideline/fanout/testing';
import { startTcpProxy, type TcpProxy } from '@tideline/test-server';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './testing/test-server.js';

/**
 * docs/product.md §5: while PostgreSQL or Redis is unreachable the API answers 503 with a clear code,
 * applies nothing half-way, and recovers by itself when they return — no server restart.
 */
let redisServer: TestRedisServer;
let postgres: TcpProxy;
let server: TestServer;

beforeAll(async () => {
  redisServer = await startRedisServer();
  postgres = await startTcpProxy(5432);
  server = await startTestServer('outage', {
    redisUrl: redisServer.url,
    // Rate limits on, so every request also needs Redis.
    rateLimits: { userPerMinute: 1000, serverPerMinute: 100_000 },
    serverDatabaseUrl: (url) => url.replace(/:\d+\//, `:${postgres.port}/`),
  });
});
afterAll(async () => {
  await server.close();
  await postgres.close();
  await redisServer.stop();
});

const post = (n: number) =>
  server.request('/api/v1/feeds/user/ana/activities', {
    method: 'POST',
    body: JSON.stringify({ actor: 'ana', verb: 'post', object: `post:${n}`, foreignId: `f${n}` }),
  });
const read = () => server.request('/api/v1/feeds/user/ana/activities');
const eventCount = async () =>
  (
    await sql<{ n: number }>`SELECT count(*)::int AS n FROM events`.execute(
      server.harness.testDb.db,
    )
  ).rows[0]?.n;

describe('dependency outages', () => {
  it('answers 503 while Redis is down, then recovers when it returns', async () => {
    expect((await post(1)).status).toBe(201);
    const before = await eventCount();

    await redisServer.stop();
    const [write, page] = await Promise.all([post(2), read()]);
    expect([write.status, page.status]).toEqual([503, 503]);
    expect(await write.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(await eventCount()).toBe(before);

    redisServer = await startRedisServer({ port: redisServer.port });
    await waitFor(async () => (await read()).status === 200, {
      timeoutMs: 15_000,
      message: 'reads to succeed again after Redis returned',
    });
    expect((await post(2)).status).toBe(201);
    await server.harness.quiesce();
    const ids = ((await (await read()).json()) as { results: { object: string }[] }).results;
    expect(ids.map((a) => a.object)).toEqual(['post:2', 'post:1']);
  });

  it('answers 503 while PostgreSQL is unreachable, then recovers when it returns', async () => {
    const before = await eventCount();
    await postgres.cut();
    const write = await post(3);
    expect(write.status).toBe(503);
    expect(await write.json()).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      message: expect.stringContaining('unreachable'),
    });
    expect((await server.request('/readyz', { token: null })).status).toBe(503);
    expect(await eventCount()).toBe(before);

    await postgres.restore();
    await waitFor(async () => (await post(3)).status === 201, {
      timeoutMs: 15_000,
      message: 'writes to succeed again after PostgreSQL returned',
    });
    expect(await eventCount()).toBe((before ?? 0) + 1);
  });
});
