import { waitFor } from '@tideline/event-store/testing';
import { addActivity } from '@tideline/fanout';
import {
  createFeedHarness,
  type FeedHarness,
  startRedisServer,
  type TestRedisServer,
} from '@tideline/fanout/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedBus, type FeedBus } from './feed-bus.js';
import { createFeedWatcher, type WatchMessage } from './feed-watcher.js';

let redisServer: TestRedisServer;
let h: FeedHarness;
let bus: FeedBus;

beforeAll(async () => {
  redisServer = await startRedisServer();
  h = await createFeedHarness('watch_restart', {}, { redisUrl: redisServer.url });
  h.start();
  const subscriber = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  subscriber.on('error', () => {});
  bus = createFeedBus(subscriber, h.config.redisPrefix);
});
afterAll(async () => {
  await bus.close();
  await h.destroy();
  await redisServer.stop();
});

describe('a watch across a Redis restart', () => {
  it('backfills what was published while Redis was away, once each, then goes on live', async () => {
    const watcher = createFeedWatcher({ bus, db: h.testDb.db, config: h.config, bufferMax: 100 });
    const controller = new AbortController();
    const got: WatchMessage[] = [];
    const done = (async () => {
      for await (const m of watcher.watch('user:ivy', { signal: controller.signal })) got.push(m);
    })();
    const post = (object: string) =>
      addActivity(h.testDb.db, 'user:ivy', { actor: 'ivy', verb: 'post', object });
    const changes = () => got.filter((m) => m.type !== 'feed.watching').map((m) => m.id);
    try {
      const before = await post('before');
      await waitFor(() => changes().length === 1, { message: 'the first message' });

      await redisServer.stop();
      // Appended while Redis is down: the projector retries until it can write and publish.
      const during = await post('during');
      redisServer = await startRedisServer({ port: redisServer.port });
      const after = await post('after');
      await waitFor(() => changes().length >= 3, {
        timeoutMs: 20_000,
        message: 'the messages of the outage',
      });
      await h.quiesce();
      const last = await post('last');
      await waitFor(() => changes().includes(last.position), { message: 'a live message' });

      expect(changes()).toEqual([before.position, during.position, after.position, last.position]);
    } finally {
      controller.abort();
      await done;
    }
  }, 40_000);
});
