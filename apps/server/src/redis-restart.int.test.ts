import { waitFor } from '@tideline/event-store/testing';
import { startRedisServer, type TestRedisServer } from '@tideline/fanout/testing';
import { addActivity } from '@tideline/feeds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEventStream } from './testing/sse-reader.js';
import { startTestServer, TEST_API_KEY, type TestServer } from './testing/test-server.js';

/** docs/product.md §4: a live stream outlives a Redis restart and misses nothing (a private redis-server). */
let redisServer: TestRedisServer;
let server: TestServer;
beforeAll(async () => {
  redisServer = await startRedisServer();
  server = await startTestServer('redis_restart', { redisUrl: redisServer.url });
});
afterAll(async () => {
  await server?.close();
  await redisServer?.stop();
});

describe('a REST stream across a Redis restart', () => {
  it('delivers what was written while Redis was down, once each, then live messages', async () => {
    const stream = await openEventStream(`${server.url}/api/v1/feeds/user/uma/stream`, {
      authorization: `Bearer ${TEST_API_KEY}`,
    });
    const db = server.harness.testDb.db;
    const post = (object: string) =>
      addActivity(db, 'user:uma', { actor: 'uma', verb: 'post', object });
    const ids = () => stream.events.slice(1).map((e) => e.id);
    try {
      await waitFor(() => stream.events.length === 1, { message: 'the stream to start' });
      const before = await post('before');
      await waitFor(() => ids().length === 1, { message: 'the first message' });

      await redisServer.stop();
      const during = await post('during');
      redisServer = await startRedisServer({ port: redisServer.port });
      const after = await post('after');
      await waitFor(() => ids().length >= 3, {
        timeoutMs: 20_000,
        message: 'the messages of the outage',
      });
      await server.harness.quiesce();
      const last = await post('last');
      await waitFor(() => ids().includes(last.position), { message: 'a live message' });

      expect(ids()).toEqual([before.position, during.position, after.position, last.position]);
      expect(stream.ended).toBe(false);
    } finally {
      await stream.close();
    }
  }, 40_000);
});
