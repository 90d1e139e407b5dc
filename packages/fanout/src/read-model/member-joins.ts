import type { Feed } from '@tideline/domain';
import { type QueryExecutorProvider, sql } from 'kysely';
import type { Entry } from './feed-queries.js';

export interface MemberJoin extends Entry {
  /** Position at which the activity became a member of the feed (earliest source). */
  joined: string;
}

/**
 * Every member of a feed — the same membership as `contentPage`: direct entries, current
 * edges above their cutoff, kept edges up to their end — with the position it joined at:
 * its add for direct members, the later of its add and the edge's follow otherwise, the
 * earliest over all its sources.
 */
export async function memberJoins(
  executor: QueryExecutorProvider,
  feed: Feed,
): Promise<MemberJoin[]> {
  const result = await sql<{ time_ms: number; activity_id: string; joined: string }>`
    WITH sources AS (
      SELECT e.time_ms, e.activity_id, e.added_position AS joined
      FROM feed_entries e WHERE e.feed = ${feed}
      UNION ALL
      SELECT e.time_ms, e.activity_id, greatest(e.added_position, f.followed_position)
      FROM follows f JOIN feed_entries e ON e.feed = f.target
      WHERE f.source = ${feed}
        AND (f.cutoff_ms IS NULL OR (e.time_ms, e.activity_id) > (f.cutoff_ms, f.cutoff_id))
      UNION ALL
      SELECT e.time_ms, e.activity_id, greatest(e.added_position, coalesce(k.followed_position, ''))
      FROM kept_follows k JOIN feed_entries e ON e.feed = k.target
      WHERE k.source = ${feed} AND e.added_position < k.until_position
        AND (k.cutoff_ms IS NULL OR (e.time_ms, e.activity_id) > (k.cutoff_ms, k.cutoff_id))
    )
    SELECT time_ms, activity_id, min(joined) AS joined FROM sources
    GROUP BY time_ms, activity_id
    ORDER BY time_ms DESC, activity_id DESC`.execute(executor);
  return result.rows.map((row) => ({
    timeMs: row.time_ms,
    id: row.activity_id,
    joined: row.joined,
  }));
}

export interface FeedMarks {
  all: { seen: string | null; read: string | null };
  groups: Map<string, { seen: string | null; read: string | null }>;
}

/** The latest marks of a feed: for every group, and per named group. */
export async function feedMarks(executor: QueryExecutorProvider, feed: Feed): Promise<FeedMarks> {
  const all = await sql<{ seen_position: string | null; read_position: string | null }>`
    SELECT seen_position, read_position FROM feed_mark_all WHERE feed = ${feed}`.execute(executor);
  const named = await sql<{
    group_id: string;
    seen_position: string | null;
    read_position: string | null;
  }>`
    SELECT group_id, seen_position, read_position FROM feed_marks WHERE feed = ${feed}`.execute(
    executor,
  );
  return {
    all: { seen: all.rows[0]?.seen_position ?? null, read: all.rows[0]?.read_position ?? null },
    groups: new Map(
      named.rows.map((row) => [row.group_id, { seen: row.seen_position, read: row.read_position }]),
    ),
  };
}
