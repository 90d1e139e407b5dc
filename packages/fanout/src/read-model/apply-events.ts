import type {
  ActivityAddedData,
  ActivityRemovedData,
  ActivityUpdatedData,
  Feed,
  FeedUnfollowedData,
} from '@tideline/domain';
import { type QueryExecutorProvider, sql } from 'kysely';
import type { EdgeRow, Entry } from './feed-queries.js';
import { bumpCounts } from './record-follows.js';

/** The feeds an activity is delivered to directly: its feed and its `to` feeds. */
export function ownFeeds(activity: Pick<ActivityAddedData, 'feed' | 'to'>): Feed[] {
  return [...new Set([activity.feed, ...activity.to])];
}

export function entryOf(activity: Pick<ActivityAddedData, 'id' | 'time'>): Entry {
  return { timeMs: Date.parse(activity.time), id: activity.id };
}

/** Applies an update's resulting `extra` to the stored body; returns the new body. */
export async function recordActivityUpdated(
  tx: QueryExecutorProvider,
  update: ActivityUpdatedData,
): Promise<ActivityAddedData | undefined> {
  const result = await sql<{ body: ActivityAddedData }>`
    UPDATE feed_activities SET body = jsonb_set(body, '{extra}', ${JSON.stringify(update.extra)}::jsonb)
    WHERE id = ${update.id} AND removed_position IS NULL
    RETURNING body`.execute(tx);
  return result.rows[0]?.body;
}

/** Marks an activity removed and drops it from every feed; returns its direct feeds. */
export async function recordActivityRemoved(
  tx: QueryExecutorProvider,
  removal: ActivityRemovedData,
  position: string,
): Promise<{ feeds: Feed[]; entry: Entry } | undefined> {
  const result = await sql<{ own_feeds: string[]; time_ms: number }>`
    UPDATE feed_activities SET removed_position = ${position}
    WHERE id = ${removal.id} AND removed_position IS NULL
    RETURNING own_feeds, time_ms`.execute(tx);
  const row = result.rows[0];
  if (!row) return undefined;
  await sql`DELETE FROM feed_entries WHERE activity_id = ${removal.id}`.execute(tx);
  return { feeds: row.own_feeds, entry: { timeMs: row.time_ms, id: removal.id } };
}

export interface FollowChange {
  edge: EdgeRow;
  /** The target's follower count before and after. */
  before: number;
  after: number;
}

/** Ends the edge, keeping its history when asked. Undefined when there was no edge. */
export async function recordUnfollowed(
  tx: QueryExecutorProvider,
  unfollowed: FeedUnfollowedData,
  position: string,
): Promise<FollowChange | undefined> {
  const deleted = await sql<{
    cutoff_ms: number | null;
    cutoff_id: string | null;
    followed_position: string;
  }>`
    DELETE FROM follows WHERE source = ${unfollowed.source} AND target = ${unfollowed.target}
    RETURNING cutoff_ms, cutoff_id, followed_position`.execute(tx);
  const row = deleted.rows[0];
  if (!row) return undefined;
  if (unfollowed.keepHistory) {
    await sql`
      INSERT INTO kept_follows (source, target, cutoff_ms, cutoff_id, until_position)
      VALUES (${unfollowed.source}, ${unfollowed.target}, ${row.cutoff_ms}, ${row.cutoff_id}, ${position})
      ON CONFLICT DO NOTHING`.execute(tx);
  }
  const counts = await bumpCounts(tx, [unfollowed], -1);
  const after = counts.get(unfollowed.target)?.after ?? 0;
  return {
    edge: {
      source: unfollowed.source,
      target: unfollowed.target,
      cutoffMs: row.cutoff_ms,
      cutoffId: row.cutoff_id,
      followedPosition: row.followed_position,
    },
    before: after + 1,
    after,
  };
}
