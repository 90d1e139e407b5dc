import { formatActivityId, type StoredActivity } from '@tideline/domain';
import { describe, expect, it } from 'vitest';
import { buildReferenceModel, expectedFeed, type LogEvent } from './reference-model.js';

const base = Date.parse('2024-05-01T12:00:00.000Z');

/** An activity `n` seconds after the base time; `n` also seeds the id's random part. */
function post(n: number, feed = 'user:bob', to: string[] = []): StoredActivity {
  return {
    id: formatActivityId(base + n * 1000, new Uint8Array(10).fill(n)),
    feed,
    actor: feed.split(':')[1] ?? 'someone',
    verb: 'post',
    object: `post:${n}`,
    time: new Date(base + n * 1000).toISOString(),
    to,
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

/** Gives each step a stream and a position that sorts in log order. */
function log(...steps: Step[]): LogEvent[] {
  return steps.map((step, index) => ({
    ...step,
    streamId: 'test',
    position: index.toString().padStart(8, '0'),
  }));
}

const ids = (...activities: StoredActivity[]) => activities.map((activity) => activity.id);

const [a, b, c, d] = [post(1), post(2), post(3), post(4)];
const timeline = 'timeline:ana';

describe('reference model: direct activities', () => {
  it('given an activity with to feeds, when modelled, then it is in its feed and each to feed', () => {
    const mention = post(1, 'user:bob', ['notification:ana', 'notification:cy']);
    const model = buildReferenceModel(log(added(mention)));
    for (const feed of ['user:bob', 'notification:ana', 'notification:cy']) {
      expect(expectedFeed(model, feed)).toEqual([mention.id]);
    }
    expect(expectedFeed(model, 'user:ana')).toEqual([]);
  });

  it('given activities added out of time order, when modelled, then the feed is newest first', () => {
    const model = buildReferenceModel(log(added(b), added(d), added(a), added(c)));
    expect(expectedFeed(model, 'user:bob')).toEqual(ids(d, c, b, a));
  });

  it('given two activities with the same time, when modelled, then the larger id comes first', () => {
    const low = { ...post(1), id: formatActivityId(base, new Uint8Array(10).fill(1)) };
    const high = { ...post(2), id: formatActivityId(base, new Uint8Array(10).fill(2)) };
    const time = new Date(base).toISOString();
    const model = buildReferenceModel(log(added({ ...low, time }), added({ ...high, time })));
    expect(expectedFeed(model, 'user:bob')).toEqual(ids(high, low));
  });
});

describe('reference model: follow copies', () => {
  it.each([
    [0, []],
    [2, [c, b]],
    [3, [c, b, a]],
    [5, [c, b, a]],
  ])(
    'given copyLimit %s, when following 3 activities, then the latest ones are copied',
    (copyLimit, copied) => {
      const model = buildReferenceModel(
        log(added(a), added(b), added(c), followed(timeline, 'user:bob', copyLimit)),
      );
      expect(expectedFeed(model, timeline)).toEqual(ids(...copied));
    },
  );

  it('given a follow with copyLimit 0, when the target posts, then the follower receives it', () => {
    const model = buildReferenceModel(log(added(a), followed(timeline, 'user:bob', 0), added(b)));
    expect(expectedFeed(model, timeline)).toEqual(ids(b));
  });

  it('given a follow, when a backdated activity below the cutoff is added, then only the target has it', () => {
    const model = buildReferenceModel(
      log(added(b), added(c), followed(timeline, 'user:bob', 1), added(a), added(d)),
    );
    expect(expectedFeed(model, timeline)).toEqual(ids(d, c));
    expect(expectedFeed(model, 'user:bob')).toEqual(ids(d, c, b, a));
  });

  it('given a removed activity, when following, then it does not count towards copyLimit', () => {
    const model = buildReferenceModel(
      log(added(a), added(b), removed(b), followed(timeline, 'user:bob', 1)),
    );
    expect(expectedFeed(model, timeline)).toEqual(ids(a));
  });

  it('given an existing follow, when following again, then the first cutoff stays', () => {
    const model = buildReferenceModel(
      log(added(b), followed(timeline, 'user:bob', 0), added(a), followed(timeline, 'user:bob')),
    );
    expect(expectedFeed(model, timeline)).toEqual([]);
  });

  it('given a feed following itself, when modelled, then the follow is ignored', () => {
    const model = buildReferenceModel(log(added(a), followed('user:bob', 'user:bob', 0)));
    expect(expectedFeed(model, 'user:bob')).toEqual(ids(a));
  });

  it('given a follower of a timeline, when modelled, then it gets direct activities only', () => {
    const onTimeline = post(5, timeline);
    const model = buildReferenceModel(
      log(
        added(a),
        followed(timeline, 'user:bob'),
        added(onTimeline),
        followed('timeline:cy', timeline),
      ),
    );
    expect(expectedFeed(model, timeline)).toEqual(ids(onTimeline, a));
    expect(expectedFeed(model, 'timeline:cy')).toEqual(ids(onTimeline));
  });
});

describe('reference model: unfollow', () => {
  it('given a follow, when unfollowing without keepHistory, then the contribution ends', () => {
    const model = buildReferenceModel(
      log(added(a), followed(timeline, 'user:bob'), unfollowed(timeline, 'user:bob'), added(b)),
    );
    expect(expectedFeed(model, timeline)).toEqual([]);
  });

  it('given a follow, when unfollowing with keepHistory, then what it gave stays and nothing new arrives', () => {
    const model = buildReferenceModel(
      log(
        added(b),
        followed(timeline, 'user:bob'),
        added(c),
        unfollowed(timeline, 'user:bob', true),
        added(d),
      ),
    );
    expect(expectedFeed(model, timeline)).toEqual(ids(c, b));
  });

  it('given no follow, when unfollowing, then nothing changes', () => {
    const model = buildReferenceModel(log(added(a), unfollowed(timeline, 'user:bob', true)));
    expect(expectedFeed(model, timeline)).toEqual([]);
  });

  it('given an unfollow, when following again, then the new edge has a new cutoff', () => {
    const model = buildReferenceModel(
      log(
        added(a),
        followed(timeline, 'user:bob'),
        unfollowed(timeline, 'user:bob'),
        added(b),
        followed(timeline, 'user:bob', 0),
        added(c),
      ),
    );
    expect(expectedFeed(model, timeline)).toEqual(ids(c));
  });
});

describe('reference model: removal and update', () => {
  it('given an activity everywhere, when removed, then it is in no feed, kept history included', () => {
    const mention = post(1, 'user:bob', ['notification:cy']);
    const model = buildReferenceModel(
      log(
        added(mention),
        followed(timeline, 'user:bob'),
        unfollowed(timeline, 'user:bob', true),
        followed('timeline:dee', 'user:bob'),
        removed(mention),
      ),
    );
    for (const feed of ['user:bob', 'notification:cy', timeline, 'timeline:dee']) {
      expect(expectedFeed(model, feed)).toEqual([]);
    }
    expect(model.activities.has(mention.id)).toBe(false);
    expect(model.removed.has(mention.id)).toBe(true);
  });

  it('given updates, when modelled, then the activity shows the latest extra in the same place', () => {
    const model = buildReferenceModel(
      log(added(a), added(b), updated(a, { likes: 1 }), updated(a, { likes: 2 })),
    );
    expect(model.activities.get(a.id)?.extra).toEqual({ likes: 2 });
    expect(expectedFeed(model, 'user:bob')).toEqual(ids(b, a));
  });
});

describe('reference model: log handling', () => {
  it('given timelineMax, when modelled, then each feed keeps only the newest entries', () => {
    const model = buildReferenceModel(log(added(a), added(b), added(c)), { timelineMax: 2 });
    expect(expectedFeed(model, 'user:bob')).toEqual(ids(c, b));
    expect(expectedFeed(model, 'user:bob', 1)).toEqual(ids(c));
  });

  it('given FeedMarked and unknown events, when modelled, then they are ignored', () => {
    const model = buildReferenceModel(
      log(
        added(a),
        { type: 'FeedMarked', data: { feed: 'user:bob', read: true } },
        { type: 'SomethingElse', data: null },
      ),
    );
    expect(expectedFeed(model, 'user:bob')).toEqual(ids(a));
  });

  it('given a second activity with the same feed, foreignId and time, when modelled, then it throws', () => {
    const first = { ...post(1), foreignId: 'f1' };
    const second = { ...post(2), foreignId: 'f1', time: first.time };
    expect(() => buildReferenceModel(log(added(first), added(second)))).toThrow(/repeats/);
  });

  it('given positions out of order, when modelled, then it throws', () => {
    const [first, second] = log(added(a), added(b));
    expect(() => buildReferenceModel([second, first].filter((e) => e !== undefined))).toThrow(
      /position/,
    );
  });
});
