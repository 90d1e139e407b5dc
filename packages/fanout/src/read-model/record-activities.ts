import {
  type ActivityAddedData,
  type Feed,
  type FeedGroupConfig,
  groupingValuesOf,
} from '@tideline/domain';
import { type QueryExecutorProvider, sql } from 'kysely';
import { entryOf, ownFeeds } from './activity-entry.js';
import { type FeedGroupRef, groupIdIn } from './feed-groups.js';
import { type EdgeRow, type EdgeSqlRow, type Entry, toEdgeRow } from './feed-queries.js';

export interface NewActivity {
  activity: ActivityAddedData;
  position: string;
}

/**
 * Records a run of added activities in two statements (bodies, then direct-feed entries,
 * with their group id in aggregated feeds). Returns those that were new — a replayed batch
 * records nothing twice — and the groups their entries joined.
 */
export async function recordActivitiesAdded(
  tx: QueryExecutorProvider,
  added: readonly NewActivity[],
  groups: readonly FeedGroupConfig[],
): Promise<{ recorded: NewActivity[]; touched: FeedGroupRef[] }> {
  if (added.length === 0) return { recorded: [], touched: [] };
  const rows = added.map(({ activity, position }) => ({
    id: activity.id,
    feed: activity.feed,
    foreign_id: activity.foreignId ?? null,
    time_ms: entryOf(activity).timeMs,
    body: activity,
    own_feeds: ownFeeds(activity),
    added_position: position,
    grouping: groupingValuesOf(activity),
  }));
  const inserted = await sql<{ id: string }>`
    INSERT INTO feed_activities
      (id, feed, foreign_id, time_ms, body, own_feeds, added_position, grouping)
    SELECT r.id, r.feed, r.foreign_id, r.time_ms, r.body,
      ARRAY(SELECT jsonb_array_elements_text(r.own_feeds)), r.added_position,
      ARRAY(SELECT jsonb_array_elements_text(r.grouping))
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS r(id text, feed text, foreign_id text, time_ms bigint, body jsonb, own_feeds jsonb,
        added_position text, grouping jsonb)
    ON CONFLICT (id) DO NOTHING
    RETURNING id`.execute(tx);
  const fresh = new Set(inserted.rows.map((row) => row.id));
  const recorded = added.filter(({ activity }) => fresh.has(activity.id));
  const entries = recorded.flatMap(({ activity, position }) =>
    ownFeeds(activity).map((feed) => ({
      feed,
      time_ms: entryOf(activity).timeMs,
      activity_id: activity.id,
      added_position: position,
      group_id: groupIdIn(groups, feed, activity),
    })),
  );
  if (entries.length > 0) {
    await sql`
      INSERT INTO feed_entries (feed, time_ms, activity_id, added_position, group_id)
      SELECT r.feed, r.time_ms, r.activity_id, r.added_position, r.group_id
      FROM jsonb_to_recordset(${JSON.stringify(entries)}::jsonb)
        AS r(feed text, time_ms bigint, activity_id text, added_position text, group_id text)
      ON CONFLICT DO NOTHING`.execute(tx);
  }
  const touched = entries.flatMap((entry) =>
    entry.group_id === null ? [] : [{ feed: entry.feed, groupId: entry.group_id }],
  );
  return { recorded, touched };
}

/**
 * The current followers of each of `authors`, in one query — only of authors with at most
 * `maxFollowers` followers when given (those that fan out on write).
 */
export async function edgesOfAuthors(
  tx: QueryExecutorProvider,
  authors: readonly Feed[],
  maxFollowers?: number,
): Promise<Map<Feed, EdgeRow[]>> {
  const byAuthor = new Map<Feed, EdgeRow[]>();
  if (authors.length === 0) return byAuthor;
  const result = await sql<EdgeSqlRow>`
    SELECT f.source, f.target, f.cutoff_ms, f.cutoff_id, f.followed_position
    FROM follower_counts c JOIN follows f ON f.target = c.feed
    WHERE c.feed = ANY(${authors}::text[]) AND c.followers BETWEEN 1 AND ${maxFollowers ?? 2 ** 31 - 1}`.execute(
    tx,
  );
  for (const row of result.rows) {
    const edges = byAuthor.get(row.target) ?? [];
    edges.push(toEdgeRow(row));
    byAuthor.set(row.target, edges);
  }
  return byAuthor;
}

/** Exact follower counts of `feeds` (0 for feeds nobody follows). */
export async function followerCounts(
  tx: QueryExecutorProvider,
  feeds: readonly Feed[],
): Promise<Map<Feed, number>> {
  if (feeds.length === 0) return new Map();
  const result = await sql<{ feed: string; followers: number }>`
    SELECT feed, followers FROM follower_counts WHERE feed = ANY(${feeds}::text[])`.execute(tx);
  return new Map(result.rows.map((row) => [row.feed, row.followers]));
}

/** Whether an edge's cutoff lets an entry through. */
export function admits(edge: EdgeRow, entry: Entry): boolean {
  if (edge.cutoffMs === null) return true;
  return (
    entry.timeMs > edge.cutoffMs ||
    (entry.timeMs === edge.cutoffMs && entry.id > (edge.cutoffId ?? ''))
  );
}
