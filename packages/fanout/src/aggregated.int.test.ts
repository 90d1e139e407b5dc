import { readAll, type StoredEvent } from '@tideline/event-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAggregatedReader, type GroupPage } from './aggregated-reader.js';
import { addActivities, addActivity } from './commands/add-activities.js';
import { follow, unfollow } from './commands/follow-feeds.js';
import { removeActivity } from './commands/remove-activity.js';
import { buildAggregatedModel, expectedGroupsPage } from './testing/aggregated-model.js';
import { createFeedHarness, type FeedHarness } from './testing/feed-harness.js';

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
