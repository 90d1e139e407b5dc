import {
  type AggregatableActivity,
  aggregationKeyOf,
  aggregationKeyParts,
  type Feed,
  type FeedGroupConfig,
  findFeedGroup,
  parseFeed,
} from '@tideline/domain';
import { type QueryExecutorProvider, sql } from 'kysely';

/** A group of one feed: what the projector refreshes after a batch touches it. */
export interface FeedGroupRef {
  feed: Feed;
  groupId: string;
}

/**
 * The group `activity` joins as a direct entry of `feed`, under the feed's configured
 * aggregation key; null when the feed's group is flat or not configured.
 */
export function groupIdIn(
  groups: readonly FeedGroupConfig[],
  feed: Feed,
  activity: AggregatableActivity,
): string | null {
  const config = findFeedGroup(groups, parseFeed(feed).group);
  if (config === undefined || config.kind === 'flat') return null;
  return aggregationKeyOf(activity, config.aggregationKey);
}

/**
 * Recomputes the summaries of `touched` groups from their direct entries: one statement
 * deletes them, one inserts those that still have members. A group's cost is its size,
 * paid once per batch that touches it.
 */
export async function refreshGroups(
  tx: QueryExecutorProvider,
  touched: readonly FeedGroupRef[],
): Promise<void> {
  if (touched.length === 0) return;
  const refs = JSON.stringify(touched.map((t) => ({ feed: t.feed, group_id: t.groupId })));
  await sql`
    DELETE FROM feed_groups g
    USING jsonb_to_recordset(${refs}::jsonb) AS r(feed text, group_id text)
    WHERE g.feed = r.feed AND g.group_id = r.group_id`.execute(tx);
  const actor = sql.raw(`a.grouping[${aggregationKeyParts.indexOf('actor') + 1}]`);
  await sql`
    INSERT INTO feed_groups
      (feed, group_id, newest_ms, newest_id, activity_count, actor_count, last_joined)
    SELECT e.feed, e.group_id, max(e.time_ms),
      (array_agg(e.activity_id ORDER BY e.time_ms DESC, e.activity_id DESC))[1],
      count(*), count(DISTINCT ${actor}), max(e.added_position)
    FROM (SELECT DISTINCT feed, group_id
          FROM jsonb_to_recordset(${refs}::jsonb) AS r(feed text, group_id text)) r
    JOIN feed_entries e ON e.feed = r.feed AND e.group_id = r.group_id
    JOIN feed_activities a ON a.id = e.activity_id
    GROUP BY e.feed, e.group_id`.execute(tx);
}
