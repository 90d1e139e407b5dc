import type { StoredActivity } from '@tideline/domain';
import { feedKeys } from '@tideline/fanout';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedHarness, type FeedHarness } from './testing/feed-harness.js';
import { addActivity } from './write/add-activities.js';
import { follow } from './write/follow-feeds.js';
import { removeActivity } from './write/remove-activity.js';

/**
 * docs/product.md §3: timelines are capped (here TIMELINE_MAX = 5). A feed longer than the cap still
 * pages through completely: pages below the capped Redis sets come from PostgreSQL.
 */

const CAP = 5;
let h: FeedHarness;
beforeAll(async () => {
  h = await createFeedHarness('timeline_cap', { timelineMax: CAP, fanoutThreshold: 1 });
  h.start();
});
afterAll(() => h.destroy());

const db = () => h.testDb.db;
let clock = 0;
async function post(feed: string): Promise<StoredActivity> {
  clock += 1;
  const { activity } = await addActivity(db(), feed, {
    actor: feed.split(':')[1] ?? 'x',
    verb: 'post',
    object: `o:${clock}`,
    time: new Date(Date.UTC(2024, 4, 1) + clock * 1000).toISOString(),
  });
  return activity;
}
const newestFirst = (activities: readonly StoredActivity[]) =>
  [...activities].sort((a, b) => (a.time < b.time ? 1 : -1)).map((a) => a.id);
const keys = (feed: string) => feedKeys(h.config.redisPrefix, feed);

describe('capped timelines', () => {
  // timeline:cap follows a write-fanned author and a read-fanned one and has posts of its own.
  const posts: StoredActivity[] = [];

  beforeAll(async () => {
    await h.reader.readFeed('timeline:cap');
    await h.reader.readFeed('timeline:cap-other');
    await follow(db(), { source: 'timeline:cap', target: 'user:cap-w' });
    await follow(db(), { source: 'timeline:cap', target: 'user:cap-r' });
    await follow(db(), { source: 'timeline:cap-other', target: 'user:cap-r' });
    for (let i = 0; i < 8; i += 1) {
      posts.push(await post('user:cap-w'));
      posts.push(await post('user:cap-r'));
      if (i % 2 === 0) posts.push(await post('timeline:cap'));
    }
    await h.quiesce();
  });

  for (const limit of [1, 2, 4, 7, 25]) {
    it(`given more entries than the cap, when paged by ${limit}, then every entry comes once, newest first`, async () => {
      const pages = await h.readAllPages('timeline:cap', { limit });

      expect(pages.flatMap((page) => page.results.map((a) => a.id))).toEqual(newestFirst(posts));
      expect(pages[pages.length - 1]?.next).toBeNull();
    });
  }

  it('given more deliveries than the cap, then the Redis sets hold at most the cap', async () => {
    for (const feed of ['timeline:cap', 'user:cap-w', 'user:cap-r']) {
      const k = keys(feed);
      expect(await h.redis.zcard(k.tl)).toBeLessThanOrEqual(CAP);
      expect(await h.redis.zcard(k.own)).toBeLessThanOrEqual(CAP);
    }
    expect(await h.redis.zcard(keys('timeline:cap').tl)).toBe(CAP);
  });

  it('given a capped timeline, when a removal shrinks it below the cap, then deeper pages still come complete', async () => {
    const [newest] = posts.filter((p) => p.feed === 'user:cap-w').slice(-1);
    if (!newest) throw new Error('no posts');
    await removeActivity(db(), 'user:cap-w', { id: newest.id });
    await h.quiesce();
    posts.splice(posts.indexOf(newest), 1);

    expect(await h.readAllIds('timeline:cap', { limit: 3 })).toEqual(newestFirst(posts));
  });

  it('given a capped timeline regenerated from PostgreSQL, when paged, then every entry still comes once', async () => {
    await h.redis.del(keys('timeline:cap').live);

    const ids = await h.readAllIds('timeline:cap', { limit: 2 });

    expect(ids).toEqual(newestFirst(posts));
    expect(await h.redis.zcard(keys('timeline:cap').tl)).toBeLessThanOrEqual(CAP);
  });

  it('given a follow copying more than the cap, then the timeline pages through all of it', async () => {
    await h.reader.readFeed('timeline:cap-copy');

    await follow(db(), { source: 'timeline:cap-copy', target: 'user:cap-w', copyLimit: 100 });
    await h.quiesce();

    const expected = newestFirst(posts.filter((p) => p.feed === 'user:cap-w'));
    expect(expected.length).toBeGreaterThan(CAP);
    expect(await h.readAllIds('timeline:cap-copy', { limit: 2 })).toEqual(expected);
    expect(await h.redis.zcard(keys('timeline:cap-copy').tl)).toBeLessThanOrEqual(CAP);
  });
});
