import { readAll, type StoredEvent } from '@tideline/event-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAggregatedModel, expectedGroupsPage } from '../testing/aggregated-model.js';
import { createFeedHarness, type FeedHarness } from '../testing/feed-harness.js';
import { addActivities, addActivity } from '../write/add-activities.js';
import { follow, unfollow } from '../write/follow-feeds.js';
import { markFeed } from '../write/mark-feed.js';
import { removeActivity } from '../write/remove-activity.js';
import { createAggregatedReader, type GroupPage } from './aggregated-reader.js';

let h: FeedHarness;
let reader: ReturnType<typeof createAggregatedReader>;
beforeAll(async () => {
  h = await createFeedHarness('aggregated');
  h.start();
  reader = createAggregatedReader({ db: h.testDb.db, config: h.config });
});
afterAll(() => h.destroy());

const at = (day: number, hour: number, minute = 0) =>
  new Date(Date.UTC(2024, 4, day, hour, minute)).toISOString();

async function allGroups(feed: string, limit = 2) {
  const groups: { id: string; activities: string[]; activityCount: number; actorCount: number }[] =
    [];
  let cursor: string | null = null;
  let last: GroupPage | undefined;
  do {
    last = await reader.readGroups(feed, { limit, cursor });
    for (const group of last.results) {
      groups.push({ ...group, activities: group.activities.map((a) => a.id) });
    }
    cursor = last.next;
  } while (cursor);
  return { groups, unseen: last?.unseen, unread: last?.unread };
}

async function expectedGroups(feed: string) {
  const events: StoredEvent[] = [];
  let after: StoredEvent['position'] | undefined;
  for (;;) {
    const page = await readAll(h.testDb.db, { ...(after ? { after } : {}), limit: 5000 });
    if (page.events.length === 0) break;
    events.push(...page.events);
    after = page.next;
  }
  const page = expectedGroupsPage(buildAggregatedModel(events), feed, { limit: 1_000_000 });
  return { groups: page.groups, unseen: page.unseen, unread: page.unread };
}

describe('notification feeds', () => {
  it('groups likes of one object per UTC day, with exact counts beyond the 15 shown', async () => {
    const likes = Array.from({ length: 20 }, (_, i) => ({
      actor: `fan${i % 7}`,
      verb: 'like',
      object: 'photo:1',
      time: at(1, 10, i),
      to: ['notification:ana'],
    }));
    await addActivities(h.testDb.db, 'user:likes', likes);
    // 23:30 and 00:30 UTC fall on two days, so two more groups.
    await addActivity(h.testDb.db, 'user:late', {
      actor: 'late',
      verb: 'like',
      object: 'photo:1',
      time: at(1, 23, 30),
      to: ['notification:ana'],
    });
    await addActivity(h.testDb.db, 'user:late', {
      actor: 'late',
      verb: 'like',
      object: 'photo:1',
      time: at(2, 0, 30),
      to: ['notification:ana'],
    });
    await addActivity(h.testDb.db, 'user:late', {
      actor: 'late',
      verb: 'comment',
      object: 'photo:1',
      time: at(2, 1),
      to: ['notification:ana'],
    });
    await h.quiesce();

    const read = await allGroups('notification:ana');
    expect(read).toEqual(await expectedGroups('notification:ana'));
    const day1 = read.groups.find((g) => g.activityCount === 21);
    expect(day1?.activities).toHaveLength(15);
    expect(day1?.actorCount).toBe(8);
    expect(read.groups).toHaveLength(3);
    expect(read.unseen).toBe(3);
  });

  it('drops removed activities from their group and its counts', async () => {
    const added = await addActivity(h.testDb.db, 'user:bob', {
      actor: 'bob',
      verb: 'like',
      object: 'photo:9',
      time: at(3, 9),
      foreignId: 'like-9',
      to: ['notification:cleo'],
    });
    await addActivity(h.testDb.db, 'user:dan', {
      actor: 'dan',
      verb: 'like',
      object: 'photo:9',
      time: at(3, 10),
      to: ['notification:cleo'],
    });
    await h.quiesce();
    expect((await allGroups('notification:cleo')).groups[0]?.activityCount).toBe(2);

    await removeActivity(h.testDb.db, 'user:bob', { id: added.activity.id });
    await h.quiesce();
    const read = await allGroups('notification:cleo');
    expect(read).toEqual(await expectedGroups('notification:cleo'));
    expect(read.groups[0]).toMatchObject({ activityCount: 1, actorCount: 1 });
  });
});

describe('marking notification groups', () => {
  const feed = 'notification:gia';
  const like = (object: string, actor: string, minute: number, foreignId?: string) =>
    addActivity(h.testDb.db, `user:${actor}`, {
      actor,
      verb: 'like',
      object,
      time: at(6, 12, minute),
      to: [feed],
      ...(foreignId ? { foreignId } : {}),
    });

  it('marks every group seen, and a new member makes its group unseen again', async () => {
    await like('photo:a', 'p1', 1);
    await like('photo:b', 'p2', 2);
    await like('photo:c', 'p3', 3);
    await h.quiesce();
    expect((await allGroups(feed)).unseen).toBe(3);

    await markFeed(h.testDb.db, feed, { seen: true });
    await h.quiesce();
    expect(await allGroups(feed)).toEqual(await expectedGroups(feed));
    expect((await allGroups(feed)).unseen).toBe(0);

    await like('photo:b', 'p4', 4, 'late-like');
    await h.quiesce();
    const read = await allGroups(feed);
    expect(read).toEqual(await expectedGroups(feed));
    expect(read.unseen).toBe(1);
    expect(read.unread).toBe(3);
  });

  it('marks named groups read, and removing the newest member makes its group seen again', async () => {
    const before = await allGroups(feed);
    const ids = before.groups.map((g) => g.id);
    await markFeed(h.testDb.db, feed, { read: ids.slice(0, 2) });
    await h.quiesce();
    const read = await allGroups(feed);
    expect(read).toEqual(await expectedGroups(feed));
    expect(read.unread).toBe(1);

    await removeActivity(h.testDb.db, 'user:p4', { foreignId: 'late-like' });
    await h.quiesce();
    const after = await allGroups(feed);
    expect(after).toEqual(await expectedGroups(feed));
    expect(after.unseen).toBe(0);
  });

  it('counts unseen groups exactly beyond 100', async () => {
    const many = 'notification:many';
    const likes = Array.from({ length: 150 }, (_, i) => ({
      actor: `m${i}`,
      verb: 'like',
      object: `photo:${i}`,
      time: at(7, 8, i % 60),
      to: [many],
    }));
    await addActivities(h.testDb.db, 'user:m', likes.slice(0, 100));
    await addActivities(h.testDb.db, 'user:m', likes.slice(100));
    await h.quiesce();
    const groups = (await allGroups(many, 100)).groups.map((g) => g.id);
    await markFeed(h.testDb.db, many, { seen: groups.slice(0, 30) });
    await h.quiesce();
    const read = await allGroups(many, 100);
    expect(read).toEqual(await expectedGroups(many));
    expect(read.unseen).toBe(120);
    expect(read.unread).toBe(150);
  });

  it('refuses to mark a feed that is not a notification feed', async () => {
    await expect(markFeed(h.testDb.db, 'timeline:gia', { seen: true })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'feed: must be a notification feed',
    });
  });
});

describe('paging over groups', () => {
  it('pages newest group first, and a cursor stays valid when newer groups arrive', async () => {
    const feed = 'notification:hal';
    const likeOf = (n: number, day: number) => ({
      actor: `h${n}`,
      verb: 'like',
      object: `photo:${n}`,
      time: at(day, 12),
      to: [feed],
    });
    await addActivities(
      h.testDb.db,
      'user:h',
      [1, 2, 3, 4, 5].map((n) => likeOf(n, 10 + n)),
    );
    await h.quiesce();
    const first = await reader.readGroups(feed, { limit: 2 });
    expect(first.results.map((g) => g.activities[0]?.object)).toEqual(['photo:5', 'photo:4']);
    expect(first.next).not.toBeNull();

    // A newer group and a new member of an older one arrive between pages.
    await addActivities(h.testDb.db, 'user:h', [likeOf(6, 20), { ...likeOf(1, 11), actor: 'x' }]);
    await h.quiesce();
    const second = await reader.readGroups(feed, { limit: 2, cursor: first.next });
    expect(second.results.map((g) => g.activities[0]?.object)).toEqual(['photo:3', 'photo:2']);
    const third = await reader.readGroups(feed, { limit: 2, cursor: second.next });
    expect(third.results.map((g) => [g.activities[0]?.object, g.activityCount])).toEqual([
      ['photo:1', 2],
    ]);
    expect(third.next).toBeNull();
    expect(third.unseen).toBe(6);
  });

  it('rejects a malformed cursor', async () => {
    await expect(
      reader.readGroups('notification:hal', { cursor: 'not-a-cursor' }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('aggregated timelines', () => {
  it('group what follows bring in by verb and day, and purge it on unfollow', async () => {
    const posts = Array.from({ length: 6 }, (_, i) => ({
      actor: 'erin',
      verb: i % 2 ? 'post' : 'share',
      object: `p:${i}`,
      time: at(4, 8 + i),
    }));
    await addActivities(h.testDb.db, 'user:erin', posts);
    await follow(h.testDb.db, { source: 'timeline_aggregated:finn', target: 'user:erin' });
    await addActivity(h.testDb.db, 'user:erin', {
      actor: 'erin',
      verb: 'post',
      object: 'p:late',
      time: at(5, 8),
    });
    await h.quiesce();
    const read = await allGroups('timeline_aggregated:finn', 1);
    expect(read).toEqual(await expectedGroups('timeline_aggregated:finn'));
    expect(read.groups.map((g) => g.activityCount)).toEqual([1, 3, 3]);
    expect(read.unseen).toBeUndefined();

    await unfollow(h.testDb.db, { source: 'timeline_aggregated:finn', target: 'user:erin' });
    await h.quiesce();
    expect((await allGroups('timeline_aggregated:finn')).groups).toEqual([]);
  });

  it('refuses a flat feed', async () => {
    await expect(reader.readGroups('timeline:finn')).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});
