import { waitFor } from '@tideline/event-store/testing';
import { addActivity } from '@tideline/feeds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedWatcher } from './feed-watcher.js';
import { type PrivateStack, startPrivateStack } from './testing/private-stack.js';
import { watchInBackground } from './testing/watch-in-background.js';

let stack: PrivateStack;
beforeAll(async () => {
  stack = await startPrivateStack('watch_restart');
});
afterAll(() => stack?.destroy());

describe('a watch across a Redis restart', () => {
  it('backfills what was published while Redis was away, once each, then goes on live', async () => {
    const { h, bus } = stack;
    const watcher = createFeedWatcher({ bus, db: h.testDb.db, config: h.config, bufferMax: 100 });
    const watch = watchInBackground(watcher, 'user:ivy');
    const post = (object: string) =>
      addActivity(h.testDb.db, 'user:ivy', { actor: 'ivy', verb: 'post', object });
    const changes = () => watch.changes().map((m) => m.id);
    try {
      // A watch without lastEventId starts where the projector stands: an activity posted
      // before it has said so may already lie behind that point.
      await waitFor(() => watch.got.length === 1, { message: 'the watch to start' });
      const before = await post('before');
      await waitFor(() => changes().length === 1, { message: 'the first message' });

      await stack.stopRedis();
      // Appended while Redis is down: the projector retries until it can write and publish.
      const during = await post('during');
      await stack.startRedisAgain();
      const after = await post('after');
      await waitFor(() => changes().length >= 3, {
        timeoutMs: 20_000,
        message: 'the messages of the outage',
      });
      await h.quiesce();
      const last = await post('last');
      await waitFor(() => changes().includes(last.position), { message: 'a live message' });

      expect(changes()).toEqual([before.position, during.position, after.position, last.position]);
      expect(watch.failure()).toBeUndefined();
    } finally {
      await watch.stop();
    }
  }, 40_000);
});
