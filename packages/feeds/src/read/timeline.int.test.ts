import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedHarness, type FeedHarness } from '../testing/feed-harness.js';
import { addActivity } from '../write/add-activities.js';
import { follow, unfollow } from '../write/follow-feeds.js';
import { removeActivity } from '../write/remove-activity.js';
import { updateActivity } from '../write/update-activity.js';

let h: FeedHarness;
beforeAll(async () => {
  h = await createFeedHarness('timeline', { fanoutThreshold: 2 });
  h.start();
});
afterAll(() => h.destroy());

const ids = async (feed: string) =>
  (await h.reader.readFeed(feed, { limit: 100 })).results.map((a) => a.id);
const at = (minute: number) => new Date(Date.UTC(2024, 4, 1, 12, minute)).toISOString();

describe('timelines', () => {
  it('delivers a followed author’s new posts to the follower, newest first', async () => {
    await h.reader.readFeed('timeline:ana'); // warm: ana is an active reader
    await follow(h.testDb.db, { source: 'timeline:ana', target: 'user:bob' });
    const first = await addActivity(h.testDb.db, 'user:bob', {
      actor: 'bob',
      verb: 'post',
      object: 'p:1',
      time: at(1),
    });
    const second = await addActivity(h.testDb.db, 'user:bob', {
      actor: 'bob',
      verb: 'post',
      object: 'p:2',
      time: at(2),
    });
    await h.quiesce();
    expect(await ids('timeline:ana')).toEqual([second.activity.id, first.activity.id]);
  });

  it('copies the latest copyLimit activities when following', async () => {
    const added = [];
    for (let i = 0; i < 4; i += 1) {
      added.push(
        await addActivity(h.testDb.db, 'user:carl', {
          actor: 'carl',
          verb: 'post',
          object: `c:${i}`,
          time: at(10 + i),
        }),
      );
    }
    await h.reader.readFeed('timeline:dora');
    await follow(h.testDb.db, { source: 'timeline:dora', target: 'user:carl', copyLimit: 2 });
    await h.quiesce();
    expect(await ids('timeline:dora')).toEqual([added[3]?.activity.id, added[2]?.activity.id]);
  });

  it('shows an update in every feed and drops a removal from every feed', async () => {
    const post = await addActivity(h.testDb.db, 'user:bob', {
      actor: 'bob',
      verb: 'post',
      object: 'p:3',
      time: at(3),
      foreignId: 'post-3',
      to: ['notification:eve'],
    });
    await updateActivity(h.testDb.db, post.activity.id, { set: { 'stats.likes': 3 } });
    await h.quiesce();
    const page = await h.reader.readFeed('timeline:ana');
    expect(page.results[0]?.extra).toEqual({ stats: { likes: 3 } });
    expect(await ids('notification:eve')).toEqual([post.activity.id]);

    await removeActivity(h.testDb.db, 'user:bob', { foreignId: 'post-3' });
    await h.quiesce();
    expect(await ids('timeline:ana')).not.toContain(post.activity.id);
    expect(await ids('notification:eve')).toEqual([]);
    expect(await ids('user:bob')).not.toContain(post.activity.id);
  });

  it('removes the unfollowed author’s posts unless history is kept', async () => {
    await unfollow(h.testDb.db, { source: 'timeline:ana', target: 'user:bob' });
    await h.quiesce();
    expect(await ids('timeline:ana')).toEqual([]);

    await unfollow(h.testDb.db, {
      source: 'timeline:dora',
      target: 'user:carl',
      keepHistory: true,
    });
    await h.quiesce();
    expect(await ids('timeline:dora')).toHaveLength(2);
  });

  it('merges a fan-out-on-read author at read time', async () => {
    for (const reader of ['x1', 'x2', 'x3']) {
      await h.reader.readFeed(`timeline:${reader}`);
      await follow(h.testDb.db, { source: `timeline:${reader}`, target: 'user:star' });
    }
    const post = await addActivity(h.testDb.db, 'user:star', {
      actor: 'star',
      verb: 'post',
      object: 's:1',
      time: at(30),
    });
    await h.quiesce();
    for (const reader of ['x1', 'x2', 'x3']) {
      expect(await ids(`timeline:${reader}`)).toEqual([post.activity.id]);
    }
    const tl = await h.redis.zcard(`${h.config.redisPrefix}{timeline:x1}:tl`);
    expect(tl).toBe(0);
  });
});
