import { type FeedGroupConfig, formatActivityId, type StoredActivity } from '@tideline/domain';
import { describe, expect, it } from 'vitest';
import {
  buildAggregatedModel,
  type ExpectedAggregatedFeed,
  expectedGroupsPage,
  groupCursor,
  maxActivitiesPerGroup,
} from './aggregated-model.js';
import type { LogEvent } from './reference-model.js';

const base = Date.parse('2024-05-01T12:00:00.000Z');
const hour = 3_600_000;

interface Fields {
  readonly feed?: string;
  readonly actor?: string;
  readonly verb?: string;
  readonly object?: string;
  readonly to?: string[];
  /** Milliseconds; defaults to `n` seconds after the base time. */
  readonly timeMs?: number;
}

/** Activity number `n` (unique id), a like of photo:1 by ana on user:ana unless told. */
function act(n: number, fields: Fields = {}): StoredActivity {
  const timeMs = fields.timeMs ?? base + n * 1000;
  const random = new Uint8Array(10).fill(n % 256);
  random[0] = Math.floor(n / 256);
  return {
    id: formatActivityId(timeMs, random),
    feed: fields.feed ?? 'user:ana',
    actor: fields.actor ?? 'ana',
    verb: fields.verb ?? 'like',
    object: fields.object ?? 'photo:1',
    time: new Date(timeMs).toISOString(),
    to: fields.to ?? [],
    extra: {},
  };
}

type Step = Pick<LogEvent, 'type' | 'data'>;

const added = (activity: StoredActivity): Step => ({ type: 'ActivityAdded', data: activity });
const removed = (activity: StoredActivity): Step => ({
  type: 'ActivityRemoved',
  data: { id: activity.id, feed: activity.feed },
});
const updated = (activity: StoredActivity, extra: Record<string, number>): Step => ({
  type: 'ActivityUpdated',
  data: { id: activity.id, feed: activity.feed, set: extra, unset: [], extra },
});
const followed = (source: string, target: string, copyLimit = 100): Step => ({
  type: 'FeedFollowed',
  data: { source, target, copyLimit },
});
const unfollowed = (source: string, target: string, keepHistory = false): Step => ({
  type: 'FeedUnfollowed',
  data: { source, target, keepHistory },
});
const marked = (feed: string, mark: { seen?: true | string[]; read?: true | string[] }): Step => ({
  type: 'FeedMarked',
  data: { feed, ...mark },
});

function log(...steps: Step[]): LogEvent[] {
  return steps.map((step, index) => ({
    ...step,
    streamId: 'test',
    position: index.toString().padStart(8, '0'),
  }));
}

const ids = (...activities: StoredActivity[]) => activities.map((activity) => activity.id);
const aggregated = 'timeline_aggregated:ana';
const notification = 'notification:ana';

function feedOf(steps: Step[], feed: string, groups?: FeedGroupConfig[]): ExpectedAggregatedFeed {
  const model = buildAggregatedModel(log(...steps), groups === undefined ? {} : { groups });
  const expected = model.feeds.get(feed);
  if (expected === undefined) throw new Error(`${feed} is not in the model`);
  return expected;
}

/** Group id → its activity ids, in feed order. */
function shape(feed: ExpectedAggregatedFeed): [string, readonly string[]][] {
  return feed.groups.map((group) => [group.id, group.activities]);
}

/** Group id → [isSeen, isRead], in feed order. */
function marks(feed: ExpectedAggregatedFeed): [string, boolean?, boolean?][] {
  return feed.groups.map((group) => [group.id, group.isSeen, group.isRead]);
}

describe('aggregated model: aggregation keys', () => {
  it('given likes and posts on one UTC day, when modelled, then the aggregated feed groups by verb and day', () => {
    const [l1, p2, l3] = [
      act(1, { feed: aggregated }),
      act(2, { feed: aggregated, verb: 'post', object: 'post:2' }),
      act(3, { feed: aggregated, object: 'photo:2' }),
    ];
    const feed = feedOf([added(l1), added(p2), added(l3)], aggregated);
    expect(feed.kind).toBe('aggregated');
    expect(shape(feed)).toEqual([
      ['like|2024-05-01', ids(l3, l1)],
      ['post|2024-05-01', ids(p2)],
    ]);
    expect(feed.unseen).toBeUndefined();
    expect(feed.groups[0]?.isSeen).toBeUndefined();
  });

  it('given likes either side of midnight UTC, when modelled, then they fall into two day groups', () => {
    const midnight = Date.parse('2024-05-02T00:00:00.000Z');
    const before = act(1, { feed: aggregated, timeMs: midnight - 1 });
    const after = act(2, { feed: aggregated, timeMs: midnight });
    const feed = feedOf([added(before), added(after)], aggregated);
    expect(shape(feed)).toEqual([
      ['like|2024-05-02', ids(after)],
      ['like|2024-05-01', ids(before)],
    ]);
  });

  it('given likes of two objects on one day, when modelled, then the notification feed groups by verb, object and day', () => {
    const [a, b, c] = [
      act(1, { feed: notification, object: 'photo:1' }),
      act(2, { feed: notification, object: 'photo:2' }),
      act(3, { feed: notification, object: 'photo:1', actor: 'bob' }),
    ];
    const feed = feedOf([added(a), added(b), added(c)], notification);
    expect(shape(feed)).toEqual([
      ['like|photo%3A1|2024-05-01', ids(c, a)],
      ['like|photo%3A2|2024-05-01', ids(b)],
    ]);
  });

  it('given a configured group with its own key, when modelled, then that key is used and flat feeds are absent', () => {
    const groups: FeedGroupConfig[] = [
      { name: 'user', kind: 'flat' },
      { name: 'by_actor', kind: 'aggregated', aggregationKey: ['actor'] },
    ];
    const [a, b] = [
      act(1, { feed: 'by_actor:x', verb: 'post' }),
      act(2, { feed: 'by_actor:x', to: ['user:bob'] }),
    ];
    const model = buildAggregatedModel(log(added(a), added(b)), { groups });
    expect(model.feeds.get('by_actor:x')?.groups.map((group) => group.id)).toEqual(['ana']);
    expect(model.feeds.has('user:bob')).toBe(false);
  });
});

describe('aggregated model: groups', () => {
  it('given groups whose members interleave in time, when modelled, then groups are ordered by their newest member', () => {
    const [oldLike, post, newLike] = [
      act(1, { feed: aggregated }),
      act(2, { feed: aggregated, verb: 'post' }),
      act(3, { feed: aggregated }),
    ];
    const backdatedPost = act(4, { feed: aggregated, verb: 'post', timeMs: base });
    const feed = feedOf(
      [added(oldLike), added(post), added(newLike), added(backdatedPost)],
      aggregated,
    );
    expect(shape(feed)).toEqual([
      ['like|2024-05-01', ids(newLike, oldLike)],
      ['post|2024-05-01', ids(post, backdatedPost)],
    ]);
    expect(feed.groups.map((group) => group.updatedAt)).toEqual([newLike.time, post.time]);
  });

  it('given 20 likes by 3 actors in one group, when modelled, then it shows the newest 15 with exact counts', () => {
    const likes = Array.from({ length: 20 }, (_, n) =>
      act(n + 1, { feed: aggregated, actor: `u${n % 3}` }),
    );
    const [group] = feedOf(likes.map(added), aggregated).groups;
    expect(group?.activities).toEqual(ids(...likes.slice(5).reverse()));
    expect(group?.activities).toHaveLength(maxActivitiesPerGroup);
    expect(group?.activityCount).toBe(20);
    expect(group?.actorCount).toBe(3);
    expect(group?.updatedAt).toBe(likes[19]?.time);
  });

  it('given a full group, when a shown member is removed, then counts drop and the next one is shown', () => {
    const likes = Array.from({ length: 17 }, (_, n) =>
      act(n + 1, { feed: aggregated, actor: n === 16 ? 'solo' : 'ana' }),
    );
    const newest = likes[16] as StoredActivity;
    const [group] = feedOf([...likes.map(added), removed(newest)], aggregated).groups;
    expect(group?.activities).toEqual(ids(...likes.slice(1, 16).reverse()));
    expect(group?.activityCount).toBe(16);
    expect(group?.actorCount).toBe(1);
    expect(group?.updatedAt).toBe(likes[15]?.time);
  });

  it('given a group of one, when its member is removed, then the group disappears', () => {
    const [like, post] = [act(1, { feed: aggregated }), act(2, { feed: aggregated, verb: 'post' })];
    const feed = feedOf([added(like), added(post), removed(post)], aggregated);
    expect(shape(feed)).toEqual([['like|2024-05-01', ids(like)]]);
  });

  it('given an update, when modelled, then only the body changes', () => {
    const like = act(1, { feed: aggregated });
    const model = buildAggregatedModel(log(added(like), updated(like, { n: 1 })));
    expect(model.activities.get(like.id)?.extra).toEqual({ n: 1 });
    expect(model.feeds.get(aggregated)?.groups.map((group) => group.activities)).toEqual([
      ids(like),
    ]);
  });
});

describe('aggregated model: follows', () => {
  it('given a follow, when the target has and gets activities, then copies and deliveries land in groups', () => {
    const [a, b, c, d] = [
      act(1, { feed: 'user:bob' }),
      act(2, { feed: 'user:bob', verb: 'post' }),
      act(3, { feed: 'user:bob' }),
      act(4, { feed: 'user:bob', verb: 'post' }),
    ];
    const feed = feedOf(
      [added(a), added(b), added(c), followed(aggregated, 'user:bob', 2), added(d)],
      aggregated,
    );
    expect(shape(feed)).toEqual([
      ['post|2024-05-01', ids(d, b)],
      ['like|2024-05-01', ids(c)],
    ]);
  });

  it('given a follow, when unfollowed without keepHistory, then its activities leave their groups', () => {
    const own = act(1, { feed: aggregated });
    const copied = act(2, { feed: 'user:bob' });
    const feed = feedOf(
      [
        added(own),
        added(copied),
        followed(aggregated, 'user:bob'),
        unfollowed(aggregated, 'user:bob'),
      ],
      aggregated,
    );
    expect(feed.groups.map((group) => [group.activities, group.activityCount])).toEqual([
      [ids(own), 1],
    ]);
  });

  it('given a follow, when unfollowed with keepHistory, then its activities stay in their groups', () => {
    const copied = act(1, { feed: 'user:bob' });
    const later = act(2, { feed: 'user:bob' });
    const feed = feedOf(
      [
        added(copied),
        followed(aggregated, 'user:bob'),
        unfollowed(aggregated, 'user:bob', true),
        added(later),
      ],
      aggregated,
    );
    expect(shape(feed)).toEqual([['like|2024-05-01', ids(copied)]]);
  });
});

describe('notification model: marks', () => {
  const [like1, like2, post3] = [
    act(1, { feed: notification }),
    act(2, { feed: notification, object: 'photo:2' }),
    act(3, { feed: notification, verb: 'post', object: 'post:3' }),
  ];
  const likeGroup = 'like|photo%3A1|2024-05-01';
  const otherLikeGroup = 'like|photo%3A2|2024-05-01';
  const postGroup = 'post|post%3A3|2024-05-01';
  const three = [added(like1), added(like2), added(post3)];

  it('given unmarked groups, when modelled, then every group is unseen and unread', () => {
    const feed = feedOf(three, notification);
    expect(marks(feed)).toEqual([
      [postGroup, false, false],
      [otherLikeGroup, false, false],
      [likeGroup, false, false],
    ]);
    expect([feed.unseen, feed.unread]).toEqual([3, 3]);
  });

  it('given seen true, when modelled, then every group is seen and read is untouched', () => {
    const feed = feedOf([...three, marked(notification, { seen: true })], notification);
    expect(marks(feed)).toEqual([
      [postGroup, true, false],
      [otherLikeGroup, true, false],
      [likeGroup, true, false],
    ]);
    expect([feed.unseen, feed.unread]).toEqual([0, 3]);
  });

  it('given read by ids with an unknown id, when modelled, then only the named groups are read', () => {
    const feed = feedOf(
      [...three, marked(notification, { read: [likeGroup, 'no-such-group'], seen: [postGroup] })],
      notification,
    );
    expect(marks(feed)).toEqual([
      [postGroup, true, false],
      [otherLikeGroup, false, false],
      [likeGroup, false, true],
    ]);
    expect([feed.unseen, feed.unread]).toEqual([2, 2]);
  });

  it('given a seen and read group, when a new activity joins it, then it is unseen and unread again', () => {
    const joining = act(4, { feed: 'user:bob', to: [notification], actor: 'bob' });
    const feed = feedOf(
      [...three, marked(notification, { seen: true, read: true }), added(joining)],
      notification,
    );
    expect(marks(feed)).toEqual([
      [likeGroup, false, false],
      [postGroup, true, true],
      [otherLikeGroup, true, true],
    ]);
    expect([feed.unseen, feed.unread]).toEqual([1, 1]);
  });

  it('given a seen group, when one of its members is removed, then it stays seen', () => {
    const second = act(4, { feed: notification });
    const feed = feedOf(
      [...three, added(second), marked(notification, { seen: true }), removed(second)],
      notification,
    );
    expect(feed.groups.find((group) => group.id === likeGroup)?.isSeen).toBe(true);
    expect(feed.unseen).toBe(0);
  });

  it('given a group made unseen by a new member, when that member is removed, then it is seen again', () => {
    const joining = act(4, { feed: notification });
    const feed = feedOf(
      [...three, marked(notification, { seen: [likeGroup] }), added(joining), removed(joining)],
      notification,
    );
    expect(feed.groups.find((group) => group.id === likeGroup)?.isSeen).toBe(true);
  });

  it('given a seen group, when a follow copies an older activity into it, then it is unseen', () => {
    const older = act(0, { feed: 'user:bob' });
    const feed = feedOf(
      [
        ...three,
        added(older),
        marked(notification, { seen: true }),
        followed(notification, 'user:bob'),
      ],
      notification,
    );
    expect(feed.groups.find((group) => group.id === likeGroup)?.isSeen).toBe(false);
    expect(feed.unseen).toBe(1);
  });

  it('given an activity already in the feed, when a follow brings it again, then it joined at its add and stays seen', () => {
    const mention = act(4, { feed: 'user:bob', to: [notification] });
    const feed = feedOf(
      [added(mention), marked(notification, { seen: true }), followed(notification, 'user:bob')],
      notification,
    );
    expect(marks(feed)).toEqual([[likeGroup, true, false]]);
  });

  it('given a follow, when the target posts after a seen mark, then the delivery joins at its add', () => {
    const delivered = act(5, { feed: 'user:bob' });
    const feed = feedOf(
      [
        added(like1),
        followed(notification, 'user:bob'),
        marked(notification, { seen: true }),
        added(delivered),
      ],
      notification,
    );
    expect(marks(feed)).toEqual([[likeGroup, false, false]]);
  });

  it('given kept history, when the same target is followed again, then the kept join stays earliest', () => {
    const delivered = act(1, { feed: 'user:bob' });
    const feed = feedOf(
      [
        followed(notification, 'user:bob'),
        added(delivered),
        marked(notification, { seen: true }),
        unfollowed(notification, 'user:bob', true),
        followed(notification, 'user:bob'),
      ],
      notification,
    );
    expect(marks(feed)).toEqual([[likeGroup, true, false]]);
  });

  it('given a follow ended without keepHistory, when followed again, then its copies join at the new follow', () => {
    const delivered = act(1, { feed: 'user:bob' });
    const feed = feedOf(
      [
        followed(notification, 'user:bob'),
        added(delivered),
        marked(notification, { seen: true }),
        unfollowed(notification, 'user:bob'),
        followed(notification, 'user:bob'),
      ],
      notification,
    );
    expect(marks(feed)).toEqual([[likeGroup, false, false]]);
  });

  it('given 150 groups with 30 marked seen, when modelled, then unseen and unread are exact', () => {
    const many = Array.from({ length: 150 }, (_, n) =>
      act(n + 1, { feed: notification, object: `photo:${n}` }),
    );
    const seenIds = Array.from({ length: 30 }, (_, n) => `like|photo%3A${n}|2024-05-01`);
    const feed = feedOf(
      [...many.map(added), marked(notification, { seen: seenIds })],
      notification,
    );
    expect(feed.groups).toHaveLength(150);
    expect([feed.unseen, feed.unread]).toEqual([120, 150]);
  });
});

describe('aggregated model: paging', () => {
  const days = Array.from({ length: 5 }, (_, n) =>
    act(n + 1, { feed: notification, timeMs: base + n * 24 * hour }),
  );
  const model = buildAggregatedModel(log(...days.map(added), marked(notification, { read: true })));

  it('given 5 groups, when paged by 2, then pages follow the cursor without repeats and the last has no next', () => {
    const first = expectedGroupsPage(model, notification, { limit: 2 });
    const second = expectedGroupsPage(model, notification, { limit: 2, after: first.next });
    const third = expectedGroupsPage(model, notification, { limit: 2, after: second.next });
    const pages = [first, second, third].map((page) => page.groups.map((g) => g.activities[0]));
    const [d0, d1, d2, d3, d4] = ids(...days);
    expect(pages).toEqual([[d4, d3], [d2, d1], [d0]]);
    expect(third.next).toBeNull();
    const lastOfFirst = first.groups[1];
    expect(lastOfFirst && first.next).toEqual(lastOfFirst && groupCursor(lastOfFirst));
    expect([third.unseen, third.unread]).toEqual([5, 0]);
  });

  it('given a page, when read, then its groups show only what a read returns', () => {
    const [group] = expectedGroupsPage(model, notification, { limit: 1 }).groups;
    expect(group).toEqual({
      id: 'like|photo%3A1|2024-05-05',
      activities: ids(...days.slice(4)),
      activityCount: 1,
      actorCount: 1,
      updatedAt: days[4]?.time,
      isSeen: false,
      isRead: true,
    });
  });

  it('given a notification feed the log never names, when paged, then it is empty with zero counts', () => {
    expect(expectedGroupsPage(model, 'notification:nobody', { limit: 25 })).toEqual({
      groups: [],
      next: null,
      unseen: 0,
      unread: 0,
    });
    expect(expectedGroupsPage(model, 'user:nobody', { limit: 25 })).toEqual({
      groups: [],
      next: null,
    });
  });
});
