import type { ActivityAddedData, Feed } from '@tideline/domain';

/** An activity's place in a feed: newest first by `(timeMs, id)`. */
export interface Entry {
  timeMs: number;
  id: string;
}

/** A follow edge as fan-out sees it: who follows whom, from which cutoff. */
export interface FollowEdge {
  source: Feed;
  target: Feed;
  /** The cutoff key (null = everything): only entries strictly above it are contributed. */
  cutoffMs: number | null;
  cutoffId: string | null;
  /** Position of the FeedFollowed event: tells a re-follow from the edge it replaced. */
  followedPosition: string;
}

/** The feeds an activity is delivered to directly: its feed and its `to` feeds. */
export function ownFeeds(activity: Pick<ActivityAddedData, 'feed' | 'to'>): Feed[] {
  return [...new Set([activity.feed, ...activity.to])];
}

export function entryOf(activity: Pick<ActivityAddedData, 'id' | 'time'>): Entry {
  return { timeMs: Date.parse(activity.time), id: activity.id };
}

/** Whether an edge's cutoff lets an entry through (strictly above the cutoff key). */
export function admits(
  edge: Pick<FollowEdge, 'cutoffMs' | 'cutoffId'>,
  entry: Pick<Entry, 'timeMs' | 'id'>,
): boolean {
  if (edge.cutoffMs === null) return true;
  return (
    entry.timeMs > edge.cutoffMs ||
    (entry.timeMs === edge.cutoffMs && entry.id > (edge.cutoffId ?? ''))
  );
}
