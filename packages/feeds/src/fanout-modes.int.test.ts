import type { StoredActivity } from '@tideline/domain';
import { feedKeys } from '@tideline/fanout';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedHarness, type FeedHarness } from './testing/feed-harness.js';
import { addActivity } from './write/add-activities.js';
import { follow, unfollow } from './write/follow-feeds.js';
import { removeActivity } from './write/remove-activity.js';

/**
 * docs/product.md §1/§3 delivery rules through both fan-out modes: `to` copies, follow copy limits,
 * unfollow with and without history, and authors crossing FANOUT_THRESHOLD (here 2).
 */

let h: FeedHarness;
beforeAll(async () => {
  h = await createFeedHarness('fanout_modes', { fanoutThreshold: 2 });
  h.start();
});
afterAll(() => h.destroy());

const db = () => h.testDb.db;
let clock = 0;
/** Adds a post with a strictly later time than any before (one minute apart). */
async function post(feed: string, more: Record<string, unknown> = {}): Promise<StoredActivity> {
  clock += 1;
  const time = new Date(Date.UTC(2024, 4, 1) + clock * 60_000).toISOString();
  const actor = feed.split(':')[1] ?? 'x';
  const { activity } = await addActivity(db(), feed, {
    actor,
    verb: 'post',
    object: `o:${clock}`,
    time,
    ...more,
  });
  return activity;
}
/** Newest first, as feeds list them. */
const newestFirst = (...activities: StoredActivity[]) => activities.map((a) => a.id).reverse();
const ids = (feed: string) => h.readAllIds(feed, { limit: 4 });
/** Makes a timeline live (an active reader), so write fan-out delivers to it. */
const warm = (...feeds: string[]) => Promise.all(feeds.map((feed) => h.reader.readFeed(feed)));

describe('`to` targeting', () => {
  // to-ana posts to user:to-ana with copies to notification:to-bob and user:to-carl.
  // user:to-ana has one follower (write); user:to-carl has three (read) and user:to-dan one.
  let activity: StoredActivity;
  const carlFans = ['timeline:to-c1', 'timeline:to-c2', 'timeline:to-c3'];
  const everyCopy = [
    'user:to-ana',
    'notification:to-bob',
    'user:to-carl',
    'user:to-dan',
    'timeline:to-a1',
    'timeline:to-d1',
    'timeline:to-both',
    ...carlFans,
  ];

  beforeAll(async () => {
    await warm(...everyCopy);
    await follow(db(), { source: 'timeline:to-a1', target: 'user:to-ana' });
    await follow(db(), { source: 'timeline:to-d1', target: 'user:to-dan' });
    for (const fan of carlFans) await follow(db(), { source: fan, target: 'user:to-carl' });
    await follow(db(), { source: 'timeline:to-both', target: 'user:to-ana' });
    await follow(db(), { source: 'timeline:to-both', target: 'user:to-dan' });
    await h.quiesce();
    activity = await post('user:to-ana', {
      to: ['notification:to-bob', 'user:to-carl', 'user:to-dan'],
    });
    await h.quiesce();
  });

  it('given an activity with `to` feeds, then it appears once in its feed, every `to` feed and every follower’s timeline of either mode', async () => {
    for (const feed of everyCopy)
      expect({ feed, ids: await ids(feed) }).toEqual({ feed, ids: [activity.id] });
  });

  it('given a read-fanned `to` feed, then its followers get the activity at read time, not in their `tl`', async () => {
    for (const fan of carlFans) {
      expect(await h.redis.zscore(feedKeys(h.config.redisPrefix, fan).tl, activity.id)).toBeNull();
    }
  });

  it('given an activity with `to` feeds, when removed, then it leaves every copy', async () => {
    await removeActivity(db(), 'user:to-ana', { id: activity.id });
    await h.quiesce();

    for (const feed of everyCopy) expect({ feed, ids: await ids(feed) }).toEqual({ feed, ids: [] });
  });

  it('given a removed `to` activity, then no follower’s Redis timeline still holds it', async () => {
    for (const feed of everyCopy) {
      const keys = feedKeys(h.config.redisPrefix, feed);
      expect(await h.redis.zscore(keys.tl, activity.id)).toBeNull();
      expect(await h.redis.zscore(keys.own, activity.id)).toBeNull();
    }
  });
});

describe('follow copy limit', () => {
  let history: StoredActivity[] = [];
  beforeAll(async () => {
    history = [];
    for (let i = 0; i < 5; i += 1) history.push(await post('user:copy'));
  });

  for (const [copyLimit, expected] of [
    [0, 0],
    [1, 1],
    [3, 3],
    [50, 5],
  ] as const) {
    it(`given a live follower, when following with copyLimit ${copyLimit}, then exactly the latest ${expected} are copied`, async () => {
      const follower = `timeline:copy-live-${copyLimit}`;
      await warm(follower);

      await follow(db(), { source: follower, target: 'user:copy', copyLimit });
      await h.quiesce();

      expect(await ids(follower)).toEqual(newestFirst(...history).slice(0, expected));
    });

    it(`given a cold follower, when following with copyLimit ${copyLimit}, then its first read shows exactly the latest ${expected}`, async () => {
      const follower = `timeline:copy-cold-${copyLimit}`;

      await follow(db(), { source: follower, target: 'user:copy', copyLimit });
      await h.quiesce();

      expect(await ids(follower)).toEqual(newestFirst(...history).slice(0, expected));
    });
  }

  it('given copyLimit 0, when the author posts afterwards, then only the later post arrives', async () => {
    await warm('timeline:copy-zero-later');
    await post('user:copy-z');
    await follow(db(), { source: 'timeline:copy-zero-later', target: 'user:copy-z', copyLimit: 0 });
    const fresh = await post('user:copy-z');
    await h.quiesce();

    expect(await ids('timeline:copy-zero-later')).toEqual([fresh.id]);
  });
});

describe('unfollow', () => {
  it('given copied and delivered posts, when unfollowed without history, then they all leave the timeline', async () => {
    await warm('timeline:un-drop');
    await post('user:un-a');
    await follow(db(), { source: 'timeline:un-drop', target: 'user:un-a' });
    await post('user:un-a');
    await h.quiesce();
    expect(await ids('timeline:un-drop')).toHaveLength(2);

    await unfollow(db(), { source: 'timeline:un-drop', target: 'user:un-a' });
    await h.quiesce();

    expect(await ids('timeline:un-drop')).toEqual([]);
  });

  it('given copied and delivered posts, when unfollowed with keepHistory, then they stay and later posts do not arrive', async () => {
    await warm('timeline:un-keep');
    const copied = await post('user:un-b');
    await follow(db(), { source: 'timeline:un-keep', target: 'user:un-b' });
    const delivered = await post('user:un-b');
    await h.quiesce();

    await unfollow(db(), { source: 'timeline:un-keep', target: 'user:un-b', keepHistory: true });
    await post('user:un-b');
    await h.quiesce();

    expect(await ids('timeline:un-keep')).toEqual(newestFirst(copied, delivered));
  });

  it('given two followed authors, when one is unfollowed, then the other’s posts and the timeline’s own stay', async () => {
    await warm('timeline:un-two');
    await follow(db(), { source: 'timeline:un-two', target: 'user:un-c' });
    await follow(db(), { source: 'timeline:un-two', target: 'user:un-d' });
    await post('user:un-c');
    const d = await post('user:un-d');
    const own = await post('timeline:un-two');
    await h.quiesce();

    await unfollow(db(), { source: 'timeline:un-two', target: 'user:un-c' });
    await h.quiesce();

    expect(await ids('timeline:un-two')).toEqual(newestFirst(d, own));
  });

  it('given a kept history, when re-following with copyLimit 0, then the kept posts show once and only later posts arrive', async () => {
    await warm('timeline:un-re');
    await follow(db(), { source: 'timeline:un-re', target: 'user:un-e' });
    const first = await post('user:un-e');
    await h.quiesce();
    await unfollow(db(), { source: 'timeline:un-re', target: 'user:un-e', keepHistory: true });
    await post('user:un-e'); // after the unfollow, before the re-follow: in neither edge
    await h.quiesce();

    await follow(db(), { source: 'timeline:un-re', target: 'user:un-e', copyLimit: 0 });
    await h.quiesce();
    const later = await post('user:un-e');
    await h.quiesce();

    expect(await ids('timeline:un-re')).toEqual(newestFirst(first, later));
  });
});

describe('crossing the fan-out threshold', () => {
  // user:cross has t1 and t2 (write mode); t3's follow makes three (read mode); its
  // unfollow makes two again (write mode).
  const [t1, t2, t3] = ['timeline:cross-1', 'timeline:cross-2', 'timeline:cross-3'];
  const posts: StoredActivity[] = [];

  beforeAll(async () => {
    await warm(t1, t2, t3);
    await follow(db(), { source: t1, target: 'user:cross' });
    await follow(db(), { source: t2, target: 'user:cross' });
    posts.push(await post('user:cross'));
    await h.quiesce();
  });

  it('given two followers, when a third follows (read mode), then every timeline holds every post exactly once', async () => {
    const [, during] = await Promise.all([
      follow(db(), { source: t3, target: 'user:cross' }),
      post('user:cross'),
    ]);
    posts.push(during);
    posts.push(await post('user:cross'));
    await h.quiesce();

    const all = newestFirst(...posts);
    expect(await ids(t1)).toEqual(all);
    expect(await ids(t2)).toEqual(all);
    // t3 copied everything older (copyLimit 100), and the concurrent post either way.
    expect(await ids(t3)).toEqual(all);
  });

  it('given three followers, then each follower merges the author at read time', async () => {
    for (const follower of [t1, t2, t3]) {
      const keys = feedKeys(h.config.redisPrefix, follower);
      expect(await h.redis.hexists(keys.for, 'user:cross')).toBe(1);
    }
  });

  it('given three followers, when one unfollows (write mode again), then nothing is lost or duplicated', async () => {
    const [, during] = await Promise.all([
      unfollow(db(), { source: t3, target: 'user:cross' }),
      post('user:cross'),
    ]);
    posts.push(during);
    posts.push(await post('user:cross'));
    await h.quiesce();

    const all = newestFirst(...posts);
    expect(await ids(t1)).toEqual(all);
    expect(await ids(t2)).toEqual(all);
    expect(await ids(t3)).toEqual([]);
  });

  it('given the author back in write mode, then each follower has the write guard and still merges the read-mode posts (docs/feeds.md)', async () => {
    // docs/feeds.md: going down adds the `fow` guard and keeps `for`, so the posts made
    // in read mode stay visible through the read-time merge until the next regeneration.
    for (const follower of [t1, t2]) {
      const keys = feedKeys(h.config.redisPrefix, follower);
      expect({ follower, fow: Object.keys(await h.redis.hgetall(keys.fow)) }).toEqual({
        follower,
        fow: ['user:cross'],
      });
      expect({ follower, for: Object.keys(await h.redis.hgetall(keys.for)) }).toEqual({
        follower,
        for: ['user:cross'],
      });
      expect({ follower, ids: await ids(follower) }).toEqual({
        follower,
        ids: newestFirst(...posts),
      });
    }
  });

  it('given the author back in write mode, when followers go cold and come back, then the regenerated timelines hold every post', async () => {
    const k1 = feedKeys(h.config.redisPrefix, t1);
    await h.redis.del(k1.live);

    const all = newestFirst(...posts);
    expect(await ids(t1)).toEqual(all);
    expect(await h.redis.zrevrange(k1.tl, 0, -1)).toEqual(all);
  });

  it('given the author back in write mode, when it posts, then the post is delivered into each follower’s `tl`', async () => {
    const fresh = await post('user:cross');
    posts.push(fresh);
    await h.quiesce();

    for (const follower of [t1, t2]) {
      const keys = feedKeys(h.config.redisPrefix, follower);
      expect(await h.redis.zscore(keys.tl, fresh.id)).not.toBeNull();
      expect(await ids(follower)).toEqual(newestFirst(...posts));
    }
  });

  it('given many crossings back and forth with posts in between, then each follower sees every post once', async () => {
    const extra = 'timeline:cross-x';
    await warm(extra);
    for (let round = 0; round < 3; round += 1) {
      await Promise.all([
        follow(db(), { source: extra, target: 'user:cross' }),
        post('user:cross').then((p) => posts.push(p)),
      ]);
      posts.push(await post('user:cross'));
      await Promise.all([
        unfollow(db(), { source: extra, target: 'user:cross' }),
        post('user:cross').then((p) => posts.push(p)),
      ]);
    }
    await h.quiesce();

    const all = [...posts].sort((a, b) => (a.time < b.time ? 1 : -1)).map((a) => a.id);
    expect(await ids(t1)).toEqual(all);
    expect(await ids(t2)).toEqual(all);
    expect(await ids(extra)).toEqual([]);
  });
});
