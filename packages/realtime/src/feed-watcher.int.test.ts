import { waitFor } from '@tideline/event-store/testing';
import { testRedisUrl } from '@tideline/fanout/testing';
import {
  addActivity,
  follow,
  markFeed,
  removeActivity,
  unfollow,
  updateActivity,
} from '@tideline/feeds';
import { createFeedHarness, type FeedHarness } from '@tideline/feeds/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFeedBus, type FeedBus } from './feed-bus.js';
import { createFeedWatcher, type FeedWatcher, type WatchMessage } from './feed-watcher.js';
import { watchInBackground as watchUntilStopped } from './testing/watch-in-background.js';

let h: FeedHarness;
let bus: FeedBus;
let watcher: FeedWatcher;
const open: AbortController[] = [];

beforeAll(async () => {
  // Feeds with more than one follower fan out on read.
  h = await createFeedHarness('feed_watcher', { fanoutThreshold: 1 });
  h.start();
  bus = createFeedBus(
    new Redis(testRedisUrl, { maxRetriesPerRequest: null }),
    h.config.redisPrefix,
  );
  watcher = createFeedWatcher({ bus, db: h.testDb.db, config: h.config, bufferMax: 5 });
});
afterEach(() => {
  for (const controller of open.splice(0)) controller.abort();
});
afterAll(async () => {
  await bus.close();
  await h.destroy();
});

/** A background watch on the shared watcher, aborted after each test. */
function watchInBackground(feed: string, lastEventId?: string) {
  const watch = watchUntilStopped(watcher, feed, lastEventId);
  open.push(watch.controller);
  return watch;
}

const post = (actor: string, object: string, extra: Partial<{ to: string[] }> = {}) =>
  addActivity(h.testDb.db, `user:${actor}`, { actor, verb: 'post', object, ...extra });

describe('watching a feed', () => {
  it('resumes after lastEventId with exactly what was missed, then goes live', async () => {
    const first = watchInBackground('user:ana');
    // A watch without lastEventId starts where the projector stands: wait for that point.
    await waitFor(() => first.got.length === 1, { message: 'the watch to start' });
    const a1 = await post('ana', 'p1');
    await waitFor(() => first.changes().length === 1, { message: 'a1 live' });
    await first.stop();
    const lastId = first.got.at(-1)?.id ?? '';
    expect(lastId).toBe(a1.position);

    const a2 = await post('ana', 'p2');
    const a3 = await post('ana', 'p3');
    await h.quiesce();
    const resumed = watchInBackground('user:ana', lastId);
    await waitFor(() => resumed.changes().length === 2, { message: 'the backfill' });
    const a4 = await post('ana', 'p4');
    await waitFor(() => resumed.changes().length === 3, { message: 'a4 live' });

    expect(resumed.got[0]).toEqual({ id: lastId, feed: 'user:ana', type: 'feed.watching' });
    expect(resumed.changes().map((m) => [m.type, m.id])).toEqual([
      ['activity.added', a2.position],
      ['activity.added', a3.position],
      ['activity.added', a4.position],
    ]);
  });

  it('backfills a gap longer than its buffer page by page, in order, while live messages wait', async () => {
    const start = watchInBackground('user:jon');
    await waitFor(() => start.got.length === 1, { message: 'the watch to start' });
    await start.stop();
    const missed = [];
    for (let i = 0; i < 12; i += 1) missed.push(await post('jon', `j${i}`));
    await h.quiesce();

    // bufferMax is 5: three pages of the log, then live.
    const resumed = watchInBackground('user:jon', start.got[0]?.id);
    const live = await post('jon', 'live');
    await waitFor(() => resumed.changes().length === 13, { message: 'the gap and the live one' });
    expect(resumed.changes().map((m) => m.id)).toEqual([...missed, live].map((p) => p.position));
    expect(resumed.failure()).toBeUndefined();
  });

  it('gives a timeline its followed feeds’ activities, and follows and unfollows change that live', async () => {
    await follow(h.testDb.db, { source: 'timeline:bob', target: 'user:cal' });
    await h.quiesce();
    const bob = watchInBackground('timeline:bob');
    await waitFor(() => bob.got.length === 1, { message: 'the watch to start' });
    const c1 = await post('cal', 'c1');
    await waitFor(() => bob.changes().length === 1, { message: 'c1' });

    const followed = await follow(h.testDb.db, { source: 'timeline:bob', target: 'user:dee' });
    // Posted at once: its message may come before the new channel is confirmed.
    const d1 = await post('dee', 'd1');
    await waitFor(() => bob.changes().length === 3, { message: 'follow and d1' });
    await unfollow(h.testDb.db, { source: 'timeline:bob', target: 'user:cal' });
    await post('cal', 'c2');
    const d2 = await post('dee', 'd2');
    await waitFor(() => bob.changes().some((m) => m.id === d2.position), { message: 'd2' });

    expect(
      bob.changes().map((m) => [m.type, m.id, 'via' in m ? m.via : undefined, m.feed]),
    ).toEqual([
      ['activity.added', c1.position, 'user:cal', 'timeline:bob'],
      ['feed.followed', followed.position, undefined, 'timeline:bob'],
      ['activity.added', d1.position, 'user:dee', 'timeline:bob'],
      ['feed.unfollowed', expect.any(String), undefined, 'timeline:bob'],
      ['activity.added', d2.position, 'user:dee', 'timeline:bob'],
    ]);
  });

  it('backfills a follow, an unfollow and a follow again of one feed, each stretch once', async () => {
    const before = await post('zed', 'z0');
    const edge = { source: 'timeline:kai', target: 'user:lu' };
    const first = await follow(h.testDb.db, edge);
    const p1 = await post('lu', 'p1');
    const dropped = await unfollow(h.testDb.db, edge);
    await post('lu', 'p2');
    const again = await follow(h.testDb.db, edge);
    const p3 = await post('lu', 'p3');
    await h.quiesce();

    // Today's edge counts from the second follow; the backfill meets the first one.
    const kai = watchInBackground('timeline:kai', before.position);
    await waitFor(() => kai.changes().some((m) => m.id === p3.position), { message: 'p3' });
    expect(kai.changes().map((m) => [m.type, m.id])).toEqual([
      ['feed.followed', first.position],
      ['activity.added', p1.position],
      ['feed.unfollowed', dropped.position],
      ['feed.followed', again.position],
      ['activity.added', p3.position],
    ]);
  });

  it('misses no follow the projector applies while a watch is starting', async () => {
    await follow(h.testDb.db, { source: 'timeline:fay', target: 'user:gus' });
    await h.quiesce();
    // The race: the watch lists its edges, and before it knows where it starts, timeline:fay
    // follows user:hal. Here it happens while the watch subscribes to user:gus's channel,
    // which it does between the two.
    let raced: { position: string } | undefined;
    const racingBus: FeedBus = {
      ...bus,
      async subscribe(feed, listener) {
        if (feed === 'user:gus' && raced === undefined) {
          raced = await follow(h.testDb.db, { source: 'timeline:fay', target: 'user:hal' });
          await h.quiesce();
        }
        return bus.subscribe(feed, listener);
      },
    };
    const racing = createFeedWatcher({
      bus: racingBus,
      db: h.testDb.db,
      config: h.config,
      bufferMax: 5,
    });
    const controller = new AbortController();
    open.push(controller);
    const got: WatchMessage[] = [];
    void (async () => {
      for await (const m of racing.watch('timeline:fay', { signal: controller.signal }))
        got.push(m);
    })().catch(() => undefined);
    await waitFor(() => got.length > 0, { message: 'the watch to start' });
    const h1 = await post('hal', 'h1');
    await waitFor(() => got.some((m) => m.id === h1.position), {
      message: 'user:hal’s post on the timeline that followed it during the start',
    });
    expect(got.map((m) => [m.type, m.id])).toEqual([
      ['feed.watching', expect.any(String)],
      ['feed.followed', raced?.position],
      ['activity.added', h1.position],
    ]);
  });

  it('gives flat and aggregated timelines a fan-out-on-read author’s posts, updates and removals', async () => {
    await follow(h.testDb.db, { source: 'timeline:hal', target: 'user:big' });
    await follow(h.testDb.db, { source: 'timeline_aggregated:ida', target: 'user:big' });
    await h.quiesce();
    const hal = watchInBackground('timeline:hal');
    const ida = watchInBackground('timeline_aggregated:ida');
    await waitFor(() => hal.got.length === 1 && ida.got.length === 1, { message: 'the watches' });
    const added = await post('big', 'b1');
    await h.quiesce();
    await updateActivity(h.testDb.db, added.activity.id, { set: { pinned: true } });
    await h.quiesce();
    await removeActivity(h.testDb.db, 'user:big', { id: added.activity.id });
    await waitFor(() => hal.changes().length === 3 && ida.changes().length === 3, {
      message: 'add, update and removal on both',
    });

    for (const watch of [hal, ida]) {
      expect(watch.changes().map((m) => [m.type, 'via' in m ? m.via : undefined])).toEqual([
        ['activity.added', 'user:big'],
        ['activity.updated', 'user:big'],
        ['activity.removed', 'user:big'],
      ]);
    }
    expect(hal.changes()[1]).toMatchObject({ activity: { extra: { pinned: true } } });
  });

  it('gives notification adds and marks the feed’s fresh unseen and unread counts', async () => {
    const bell = watchInBackground('notification:eve');
    await waitFor(() => bell.got.length === 1, { message: 'the watch to start' });
    // Counts are read when the message is sent: wait for each before the next write.
    await post('fay', 'f1', { to: ['notification:eve'] });
    await waitFor(() => bell.changes().length === 1, { message: 'the first add' });
    await post('fay', 'f2', { to: ['notification:eve'] });
    await waitFor(() => bell.changes().length === 2, { message: 'the second add' });
    const marked = await markFeed(
      h.testDb.db,
      'notification:eve',
      { seen: true },
      {},
      h.config.groups,
    );
    await waitFor(() => bell.changes().length === 3, { message: 'the mark' });

    expect(bell.changes().map((m) => [m.type, 'unseen' in m ? m.unseen : undefined])).toEqual([
      ['activity.added', 1],
      ['activity.added', 2],
      ['feed.marked', 0],
    ]);
    expect(bell.changes()[2]).toMatchObject({ id: marked.position, seen: true, unread: 2 });
  });

  it('cuts off a subscriber that falls behind, with a resumable error, and never delays another', async () => {
    const fast = watchInBackground('user:gus');
    const controller = new AbortController();
    open.push(controller);
    const slow = watcher.watch('user:gus', { signal: controller.signal });
    const opening = await slow.next();
    await waitFor(() => fast.got.length === 1, { message: 'the fast watch to start' });

    const posts = [];
    for (let i = 0; i < 8; i += 1) posts.push(await post('gus', `g${i}`));
    await waitFor(() => fast.changes().length === 8, { message: 'the fast subscriber' });
    // The slow one took nothing meanwhile; its queue (5) overflowed.
    await expect(slow.next()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });

    const openingId = opening.value?.id ?? '';
    const resumed = watchInBackground('user:gus', openingId);
    await waitFor(() => resumed.changes().length === 8, { message: 'the resumed subscriber' });
    expect(resumed.changes().map((m) => m.id)).toEqual(posts.map((p) => p.position));
    expect(fast.failure()).toBeUndefined();
  });
});
