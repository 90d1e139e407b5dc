import { encodePosition, readCheckpoint } from '@tideline/event-store';
import { waitFor } from '@tideline/event-store/testing';
import { testRedisUrl } from '@tideline/fanout/testing';
import { addActivity, follow } from '@tideline/feeds';
import { createFeedHarness, type FeedHarness } from '@tideline/feeds/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedBus, type FeedBus } from './feed-bus.js';
import { createFeedWatcher } from './feed-watcher.js';
import { watchInBackground } from './testing/watch-in-background.js';

/**
 * Resuming after an id the projector has not committed. The projector publishes a batch
 * before it commits it, so a client can hold the id of a follow whose edge is not in the
 * read model yet; and a batch that fails is published again when it is retried. Here the
 * projector is not started until the watch has begun: the log has the events, the read
 * model has nothing.
 */
let h: FeedHarness;
let bus: FeedBus;

beforeAll(async () => {
  h = await createFeedHarness('watch_resume');
  bus = createFeedBus(
    new Redis(testRedisUrl, { maxRetriesPerRequest: null }),
    h.config.redisPrefix,
  );
});
afterAll(async () => {
  await bus.close();
  await h.destroy();
});

const post = (actor: string, object: string) =>
  addActivity(h.testDb.db, `user:${actor}`, { actor, verb: 'post', object });

describe('resuming a watch after an id the projector has not committed', () => {
  it('waits for the projector, then follows what the resumed-after follow added', async () => {
    const followed = await follow(h.testDb.db, { source: 'timeline:ada', target: 'user:bo' });
    const b1 = await post('bo', 'b1');

    // The projector is not running: the watch gives up after its wait, naming the id.
    const impatient = createFeedWatcher({
      bus,
      db: h.testDb.db,
      config: h.config,
      bufferMax: 10,
      resumeWaitMs: 50,
    });
    const early = watchInBackground(impatient, 'timeline:ada', followed.position);
    await early.done;
    expect(early.got).toEqual([]);
    expect(early.failure()).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      message: expect.stringContaining('lastEventId'),
    });

    const watcher = createFeedWatcher({
      bus,
      db: h.testDb.db,
      config: h.config,
      bufferMax: 10,
      resumeWaitMs: 60_000,
    });
    const resumed = watchInBackground(watcher, 'timeline:ada', followed.position);
    h.start();
    try {
      await waitFor(() => resumed.got.some((m) => m.id === b1.position), {
        message: 'user:bo’s post, followed at the id the watch resumed after',
      });
      const b2 = await post('bo', 'b2');
      await waitFor(() => resumed.got.some((m) => m.id === b2.position), {
        message: 'user:bo’s next post, live',
      });
      expect(resumed.got.map((m) => [m.type, m.id, 'via' in m ? m.via : undefined])).toEqual([
        ['feed.watching', followed.position, undefined],
        ['activity.added', b1.position, 'user:bo'],
        ['activity.added', b2.position, 'user:bo'],
      ]);
    } finally {
      await resumed.stop();
    }
    expect(resumed.failure()).toBeUndefined();
  });

  it('starts where the projector stands after an id foreign to the log', async () => {
    await h.quiesce();
    const watcher = createFeedWatcher({ bus, db: h.testDb.db, config: h.config, bufferMax: 10 });
    const foreign = encodePosition({ transactionId: 2n ** 40n, sequence: 1n });
    const watch = watchInBackground(watcher, 'user:cy', foreign);
    try {
      await waitFor(() => watch.got.length === 1, { message: 'the watch to start' });
      const checkpoint = await readCheckpoint(h.testDb.db, 'feeds');
      expect(watch.got[0]).toEqual({ id: checkpoint, feed: 'user:cy', type: 'feed.watching' });
      const c1 = await post('cy', 'c1');
      await waitFor(() => watch.got.some((m) => m.id === c1.position), { message: 'c1 live' });
      expect(watch.got.map((m) => m.type)).toEqual(['feed.watching', 'activity.added']);
    } finally {
      await watch.stop();
    }
  });
});
