import { waitFor } from '@tideline/event-store/testing';
import { feedKeys } from '@tideline/fanout';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedHarness, type FeedHarness } from '../testing/feed-harness.js';
import { addActivity } from '../write/add-activities.js';
import { follow, unfollow } from '../write/follow-feeds.js';
import { removeActivity } from '../write/remove-activity.js';
import { updateActivity } from '../write/update-activity.js';

/**
 * docs/product.md §2/§3: Redis is never the source of truth. A cold Redis, or a follower whose
 * timeline expired while inactive, is rebuilt from PostgreSQL on the next read.
 */

let h: FeedHarness;
beforeAll(async () => {
  h = await createFeedHarness('regeneration', { fanoutThreshold: 2 });
  h.start();
});
afterAll(() => h.destroy());

const db = () => h.testDb.db;
const at = (minute: number) => new Date(Date.UTC(2024, 4, 1, 12, minute)).toISOString();
const keys = (feed: string) => feedKeys(h.config.redisPrefix, feed);
let minute = 0;
const post = async (feed: string, extra: Record<string, unknown> = {}) => {
  minute += 1;
  const actor = feed.split(':')[1] ?? 'x';
  return (
    await addActivity(db(), feed, {
      actor,
      verb: 'post',
      object: `o:${minute}`,
      time: at(minute),
      ...extra,
    })
  ).activity;
};

/** Every page of a feed with bodies, limit 3: what a client would see. */
const snapshot = async (feed: string) =>
  (await h.readAllPages(feed, { limit: 3 })).map((page) => ({
    next: page.next,
    results: page.results,
  }));

describe('cold rebuild', () => {
  const feeds = [
    'user:cold-ana',
    'user:cold-star',
    'timeline:cold-1',
    'timeline:cold-2',
    'timeline:cold-3',
    'timeline:cold-kept',
    'notification:cold-bob',
  ];

  beforeAll(async () => {
    for (const feed of feeds) await h.reader.readFeed(feed);
    // cold-star has three followers: fan-out on read; cold-ana has two: on write.
    for (const n of [1, 2, 3]) {
      await follow(db(), { source: `timeline:cold-${n}`, target: 'user:cold-star' });
    }
    for (const n of [1, 2]) {
      await follow(db(), { source: `timeline:cold-${n}`, target: 'user:cold-ana' });
    }
    const posts = [];
    for (let i = 0; i < 4; i += 1) {
      posts.push(await post('user:cold-ana', { to: ['notification:cold-bob'] }));
      posts.push(await post('user:cold-star'));
    }
    await follow(db(), { source: 'timeline:cold-kept', target: 'user:cold-ana', copyLimit: 2 });
    await h.quiesce();
    await unfollow(db(), {
      source: 'timeline:cold-kept',
      target: 'user:cold-ana',
      keepHistory: true,
    });
    await post('timeline:cold-1');
    const [updated, removed] = posts;
    if (!updated || !removed) throw new Error('no posts');
    await updateActivity(db(), updated.id, { set: { 'stats.likes': 4 } });
    await removeActivity(db(), 'user:cold-star', { id: removed.id });
    await h.quiesce();
  });

  it('given every timeline key dropped, when feeds are read, then every page equals the page before', async () => {
    const before = await Promise.all(feeds.map(snapshot));
    expect(before.flatMap((pages) => pages.flatMap((p) => p.results)).length).toBeGreaterThan(20);

    const dropped = await h.dropTimelineKeys();
    const after = await Promise.all(feeds.map(snapshot));

    expect(dropped).toBeGreaterThan(0);
    expect(after).toEqual(before);
  });

  it('given every timeline key dropped, when an author posts after the rebuild read, then followers get it', async () => {
    await h.dropTimelineKeys();
    await h.reader.readFeed('timeline:cold-2');

    const fresh = await post('user:cold-ana');
    await h.quiesce();

    const page = await h.reader.readFeed('timeline:cold-2', { limit: 1 });
    expect(page.results.map((a) => a.id)).toEqual([fresh.id]);
    expect(await h.redis.zscore(keys('timeline:cold-2').tl, fresh.id)).not.toBeNull();
  });
});

describe('inactive followers', () => {
  it('given a follower whose timeline expired, when the author posts, then fan-out skips it', async () => {
    await h.reader.readFeed('timeline:idle-1');
    await follow(db(), { source: 'timeline:idle-1', target: 'user:idle-author' });
    await post('user:idle-author');
    await h.quiesce();
    const tl = keys('timeline:idle-1').tl;
    expect(await h.redis.zcard(tl)).toBe(1);

    await h.redis.pexpire(keys('timeline:idle-1').live, 1);
    await waitFor(async () => (await h.redis.exists(keys('timeline:idle-1').live)) === 0);
    await post('user:idle-author');
    await h.quiesce();

    expect(await h.redis.zcard(tl)).toBe(1);
  });

  it('given a follower whose timeline expired, when it reads again, then the timeline is regenerated with the new posts', async () => {
    await h.reader.readFeed('timeline:idle-2');
    await follow(db(), { source: 'timeline:idle-2', target: 'user:idle-b' });
    const first = await post('user:idle-b');
    await h.quiesce();
    await h.redis.del(keys('timeline:idle-2').live);
    const second = await post('user:idle-b');
    const third = await post('user:idle-b');
    await h.quiesce();

    const ids = await h.readAllIds('timeline:idle-2');

    expect(ids).toEqual([third.id, second.id, first.id]);
    expect(await h.redis.exists(keys('timeline:idle-2').live)).toBe(1);
    expect(await h.redis.zrevrange(keys('timeline:idle-2').tl, 0, -1)).toEqual(ids);
  });

  it('given a regenerated timeline, when the author posts again, then fan-out delivers to it', async () => {
    await h.reader.readFeed('timeline:idle-3');
    await follow(db(), { source: 'timeline:idle-3', target: 'user:idle-c' });
    await h.quiesce();
    await h.redis.del(keys('timeline:idle-3').live);
    await h.reader.readFeed('timeline:idle-3');

    const fresh = await post('user:idle-c');
    await h.quiesce();

    expect(await h.redis.zscore(keys('timeline:idle-3').tl, fresh.id)).not.toBeNull();
  });

  it('given a timeline close to expiry, when it is read, then its keys live FANOUT_ACTIVE_DAYS again', async () => {
    await h.reader.readFeed('timeline:idle-4');
    await follow(db(), { source: 'timeline:idle-4', target: 'user:idle-d' });
    await post('user:idle-d');
    await h.quiesce();
    const k = keys('timeline:idle-4');
    for (const key of [k.live, k.tl, k.fow]) await h.redis.expire(key, 60);

    await h.reader.readFeed('timeline:idle-4');

    const days = h.config.fanoutActiveDays * 24 * 3600;
    for (const key of [k.live, k.tl, k.fow]) {
      expect(await h.redis.ttl(key)).toBeGreaterThan(days - 60);
    }
  });
});
