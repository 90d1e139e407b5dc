import type { ActivityAddedData, Feed } from '@tideline/domain';
import type { Entry } from './feed-queries.js';

/** The feeds an activity is delivered to directly: its feed and its `to` feeds. */
export function ownFeeds(activity: Pick<ActivityAddedData, 'feed' | 'to'>): Feed[] {
  return [...new Set([activity.feed, ...activity.to])];
}

export function entryOf(activity: Pick<ActivityAddedData, 'id' | 'time'>): Entry {
  return { timeMs: Date.parse(activity.time), id: activity.id };
}
