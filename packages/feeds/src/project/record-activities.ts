import {
  type ActivityAddedData,
  type ActivityUpdatedData,
  type Feed,
  type FeedGroupConfig,
  groupingValuesOf,
} from '@tideline/domain';
import { type Entry, entryOf, ownFeeds } from '@tideline/fanout';
import { type QueryExecutorProvider, sql } from 'kysely';
import { type FeedGroupRef, groupIdIn } from './feed-groups.js';

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

/** Marks activities removed (the first removal wins); returns where each one was. */
export async function recordRemovals(
  tx: QueryExecutorProvider,
  removals: ReadonlyMap<string, string>,
): Promise<Map<string, { feeds: Feed[]; entry: Entry }>> {
  const done = new Map<string, { feeds: Feed[]; entry: Entry }>();
  if (removals.size === 0) return done;
  const rows = [...removals].map(([id, position]) => ({ id, position }));
  const result = await sql<{ id: string; own_feeds: string[]; time_ms: number }>`
    UPDATE feed_activities fa SET removed_position = r.position
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(id text, position text)
    WHERE fa.id = r.id AND fa.removed_position IS NULL
    RETURNING fa.id, fa.own_feeds, fa.time_ms`.execute(tx);
  for (const row of result.rows) {
    done.set(row.id, { feeds: row.own_feeds, entry: { timeMs: row.time_ms, id: row.id } });
  }
  return done;
}

/** The last update per activity decides its `extra`; removed activities keep theirs. */
export async function recordUpdates(
  tx: QueryExecutorProvider,
  updates: readonly ActivityUpdatedData[],
): Promise<Map<string, ActivityAddedData>> {
  if (updates.length === 0) return new Map();
  const rows = updates.map((u) => ({ id: u.id, extra: u.extra }));
  const result = await sql<{ id: string; body: ActivityAddedData }>`
    UPDATE feed_activities fa SET body = jsonb_set(fa.body, '{extra}', r.extra)
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(id text, extra jsonb)
    WHERE fa.id = r.id AND fa.removed_position IS NULL
    RETURNING fa.id, fa.body`.execute(tx);
  return new Map(result.rows.map((row) => [row.id, row.body]));
}
