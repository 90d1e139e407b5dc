import { waitFor } from '@tideline/event-store/testing';
import { testRedisUrl } from '@tideline/fanout/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFeedChanges } from '../read/feed-changes-after.js';
import { createFeedHarness, type FeedHarness } from '../testing/feed-harness.js';
import { addActivity } from '../write/add-activities.js';
import { follow, unfollow } from '../write/follow-feeds.js';
import { markFeed } from '../write/mark-feed.js';
import { removeActivity } from '../write/remove-activity.js';
import { updateActivity } from '../write/update-activity.js';
import { type FeedMessage, feedChannel, feedMessages } from './feed-messages.js';

/**
 * docs/product.md §4: every feed change is published on the channel of each feed it changes
 * directly, after the projector applied it, with the event's position as its id.
 */
let h: FeedHarness;
let subscriber: Redis;
const received: FeedMessage[] = [];

beforeAll(async () => {
  h = await createFeedHarness('feed_messages');
  subscriber = new Redis(testRedisUrl);
  await subscriber.psubscribe(`${feedChannel(h.config.redisPrefix, '')}*`);
  subscriber.on('pmessage', (_pattern: string, _channel: string, text: string) => {
    received.push(JSON.parse(text) as FeedMessage);
  });
  h.start();
});
afterAll(async () => {
  subscriber.disconnect();
  await h.destroy();
});

const summary = (messages: readonly FeedMessage[]) => messages.map((m) => `${m.type} ${m.feed}`);

describe('feed messages', () => {
  it('publishes adds, updates, removals, follows and marks on the feeds they change, ids = positions', async () => {
    const db = h.testDb.db;
    const followed = await follow(db, { source: 'timeline:bob', target: 'user:ana' });
    const added = await addActivity(db, 'user:ana', {
      actor: 'ana',
      verb: 'mention',
      object: 'post:1',
      to: ['notification:bob'],
    });
    const updated = await updateActivity(db, added.activity.id, { set: { likes: 1 } });
    const marked = await markFeed(db, 'notification:bob', { seen: true });
    // An update and a removal of one activity in one projector batch publish only the
    // removal (the update of a removed activity changes nothing); keep them apart here.
    await h.quiesce();
    const removed = await removeActivity(db, 'user:ana', { id: added.activity.id });
    const unfollowed = await unfollow(db, { source: 'timeline:bob', target: 'user:ana' });
    await h.quiesce();
    await waitFor(async () => received.length >= 9, { message: 'nine messages' });

    expect(summary(received)).toEqual([
      'feed.followed timeline:bob',
      'activity.added user:ana',
      'activity.added notification:bob',
      'activity.updated user:ana',
      'activity.updated notification:bob',
      'feed.marked notification:bob',
      'activity.removed user:ana',
      'activity.removed notification:bob',
      'feed.unfollowed timeline:bob',
    ]);
    const ids = [
      followed.position,
      added.position,
      added.position,
      updated.position,
      updated.position,
      marked.position,
      removed.position,
      removed.position,
      unfollowed.position,
    ];
    expect(received.map((m) => m.id)).toEqual(ids);
    expect(received[3]).toMatchObject({ activity: { extra: { likes: 1 } } });
    expect(received[5]).toMatchObject({ seen: true });
    expect(received[6]).toMatchObject({ activityId: added.activity.id });
    expect(received[8]).toMatchObject({ target: 'user:ana' });
  });

  it('are read back from PostgreSQL as published, for a subscriber that missed them', async () => {
    // After the run above. START: everything the projector applied to these feeds.
    const feeds = ['user:ana', 'notification:bob', 'timeline:bob'];
    const { upTo, changes } = await readFeedChanges(
      h.testDb.db,
      feeds.map((feed) => ({ feed, after: '0'.repeat(32) })),
    );
    const backfilled = feedMessages(changes).filter((m) => feeds.includes(m.feed));

    expect(upTo >= (received.at(-1)?.id ?? '')).toBe(true);
    // Exact, except that updates of an activity removed since are left out (docs/realtime.md).
    expect(backfilled).toEqual(received.filter((m) => m.type !== 'activity.updated'));
  });
});
