import {
  type AggregationKey,
  aggregationKeyOfValues,
  aggregationKeyParts,
  type Feed,
} from '@tideline/domain';
import type { Entry } from '@tideline/fanout';
import { type QueryExecutorProvider, sql } from 'kysely';

/** One group of an aggregated feed, summarised over every member. */
export interface GroupSummary {
  /** The aggregation key: the group id clients see and marks name. */
  id: string;
  /** The newest member's key: the group's place in the feed. */
  newest: Entry;
  /** The newest members' ids, newest first, when the summary came with them. */
  shown?: string[];
  activityCount: number;
  actorCount: number;
  /** The latest position at which a current member joined the feed. */
  lastJoined: string;
}

/** Whether `feed` follows, or kept history of, another feed: then not all its members are direct. */
export async function hasFollowEdges(
  executor: QueryExecutorProvider,
  feed: Feed,
): Promise<boolean> {
  const result = await sql<{ edges: boolean }>`
    SELECT EXISTS (SELECT 1 FROM follows WHERE source = ${feed})
      OR EXISTS (SELECT 1 FROM kept_follows WHERE source = ${feed}) AS edges`.execute(executor);
  return result.rows[0]?.edges ?? false;
}

/**
 * Every group of a feed whose members are all direct, from the summaries the projector
 * keeps (`refreshGroups`): one row per group, without its members.
 */
export async function storedGroupSummaries(
  executor: QueryExecutorProvider,
  feed: Feed,
): Promise<GroupSummary[]> {
  const result = await sql<{
    group_id: string;
    newest_ms: number;
    newest_id: string;
    activity_count: number;
    actor_count: number;
    last_joined: string;
  }>`
    SELECT group_id, newest_ms, newest_id, activity_count, actor_count, last_joined
    FROM feed_groups WHERE feed = ${feed}`.execute(executor);
  return result.rows.map((row) => ({
    id: row.group_id,
    newest: { timeMs: row.newest_ms, id: row.newest_id },
    activityCount: row.activity_count,
    actorCount: row.actor_count,
    lastJoined: row.last_joined,
  }));
}

/** The newest `shown` direct members of each of `groupIds` in `feed`, newest first. */
export async function newestGroupMembers(
  executor: QueryExecutorProvider,
  feed: Feed,
  groupIds: readonly string[],
  shown: number,
): Promise<Map<string, string[]>> {
  if (groupIds.length === 0) return new Map();
  const result = await sql<{ group_id: string; ids: string[] }>`
    SELECT g.group_id, m.ids
    FROM unnest(${groupIds}::text[]) AS g(group_id)
    CROSS JOIN LATERAL (
      SELECT array_agg(activity_id) AS ids FROM (
        SELECT activity_id FROM feed_entries
        WHERE feed = ${feed} AND group_id = g.group_id
        ORDER BY time_ms DESC, activity_id DESC LIMIT ${shown}) newest
    ) m`.execute(executor);
  return new Map(result.rows.map((row) => [row.group_id, row.ids ?? []]));
}

/**
 * Every group of an aggregated feed in one query. The members are the same as
 * `contentPage`'s — direct entries, current edges above their cutoff, kept edges up to
 * their end — each joining at its add for direct members, at the later of its add and the
 * edge's follow otherwise, the earliest over all its sources; they are grouped by the
 * grouping values stored when they were added (`feed_activities.grouping`).
 */
export async function groupSummaries(
  executor: QueryExecutorProvider,
  feed: Feed,
  key: AggregationKey,
  shown: number,
): Promise<GroupSummary[]> {
  // Parts come from a closed list, so their 1-based indexes are safe to inline.
  const keyValues = sql.join(
    key.map((part) => sql.raw(`a.grouping[${aggregationKeyParts.indexOf(part) + 1}]`)),
  );
  const actor = sql.raw(`a.grouping[${aggregationKeyParts.indexOf('actor') + 1}]`);
  const result = await sql<{
    grouping: string[];
    newest_ms: number;
    shown: string[];
    activity_count: number;
    actor_count: number;
    last_joined: string;
  }>`
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
    ), members AS (
      SELECT time_ms, activity_id, min(joined) AS joined FROM sources
      GROUP BY time_ms, activity_id
    )
    SELECT min(a.grouping) AS grouping, max(m.time_ms) AS newest_ms,
      (array_agg(m.activity_id ORDER BY m.time_ms DESC, m.activity_id DESC))[1:${shown}] AS shown,
      count(*)::int AS activity_count, count(DISTINCT ${actor})::int AS actor_count,
      max(m.joined) AS last_joined
    FROM members m JOIN feed_activities a ON a.id = m.activity_id
    WHERE a.removed_position IS NULL
    GROUP BY ARRAY[${keyValues}]`.execute(executor);
  return result.rows.map((row) => ({
    id: aggregationKeyOfValues(row.grouping, key),
    newest: { timeMs: row.newest_ms, id: row.shown[0] ?? '' },
    shown: row.shown,
    activityCount: row.activity_count,
    actorCount: row.actor_count,
    lastJoined: row.last_joined,
  }));
}
