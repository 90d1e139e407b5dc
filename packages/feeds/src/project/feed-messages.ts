import type { Feed, FeedMarkedData, StoredActivity } from '@tideline/domain';
import { ownFeeds } from '@tideline/fanout';
import type { ChainableCommander } from 'ioredis';
import type { BatchChange } from './record-batch.js';

/**
 * A change of one feed, as published on its channel. `id` is the position of the event
 * that caused it: messages of a feed are ordered by it, and a consumer that saw a message
 * twice (a retried batch publishes again) recognises it by it.
 */
export type FeedMessage = { id: string; feed: Feed } & (
  | { type: 'activity.added' | 'activity.updated'; activity: StoredActivity }
  | { type: 'activity.removed'; activityId: string }
  | { type: 'feed.marked'; seen?: FeedMarkedData['seen']; read?: FeedMarkedData['read'] }
  | { type: 'feed.followed' | 'feed.unfollowed'; target: Feed }
);

/** The Redis channel that carries a feed's messages. */
export function feedChannel(prefix: string, feed: Feed): string {
  return `${prefix}feed:${feed}`;
}

/**
 * The messages a batch's changes publish, in log order, on the channels of the feeds they
 * change directly: an activity's own feeds (its feed and its `to` copies), a marked feed,
 * a follow's source. Followers' timelines are not published to one by one; a subscriber
 * of a timeline also listens to the feeds it follows (fan-out on read, for real time).
 */
export function feedMessages(changes: readonly BatchChange[]): FeedMessage[] {
  return changes.flatMap((change): FeedMessage[] => {
    const id = change.position;
    switch (change.kind) {
      case 'added':
        return ownFeeds(change.activity).map((feed) => ({
          id,
          feed,
          type: 'activity.added',
          activity: change.activity,
        }));
      case 'updated':
        return ownFeeds(change.body).map((feed) => ({
          id,
          feed,
          type: 'activity.updated',
          activity: change.body,
        }));
      case 'removed':
        return change.feeds.map((feed) => ({
          id,
          feed,
          type: 'activity.removed',
          activityId: change.id,
        }));
      case 'marked': {
        const { feed, seen, read } = change.mark;
        return [
          {
            id,
            feed,
            type: 'feed.marked',
            ...(seen === undefined ? {} : { seen }),
            ...(read === undefined ? {} : { read }),
          },
        ];
      }
      case 'followed':
      case 'unfollowed':
        return [
          {
            id,
            feed: change.edge.source,
            type: change.kind === 'followed' ? 'feed.followed' : 'feed.unfollowed',
            target: change.edge.target,
          },
        ];
      default:
        return [];
    }
  });
}

/** Queues a PUBLISH per message, after whatever the pipeline already holds. */
export function publishFeedMessages(
  pipeline: ChainableCommander,
  prefix: string,
  messages: readonly FeedMessage[],
): void {
  for (const message of messages) {
    pipeline.publish(feedChannel(prefix, message.feed), JSON.stringify(message));
  }
}
