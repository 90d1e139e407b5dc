import type { Feed } from '@tideline/domain';
import type { Entry, FollowEdge } from '@tideline/fanout';
import { type QueryExecutorProvider, sql } from 'kysely';
import { newestEntries } from './newest-entries.js';

/** The `follows` columns as they come back from SQL. */
export interface EdgeSqlRow {
  source: string;
  target: string;
  cutoff_ms: number | null;
  cutoff_id: string | null;
  followed_position: string;
}

export function toFollowEdge(row: EdgeSqlRow): FollowEdge {
  return {
    source: row.source,
    target: row.target,
    cutoffMs: row.cutoff_ms,
    cutoffId: row.cutoff_id,
    followedPosition: row.followed_position,
  };
}

/** Strictly below this key: the cursor of keyset pagination. */
export type Before = Entry | undefined;

interface EntryRow {
  time_ms: number;
  activity_id: string;
}

const toEntry = (row: EntryRow): Entry => ({ timeMs: row.time_ms, id: row.activity_id });

/** direct(feed), newest first (through the `author_recent_entries` view when it covers the feed). */
export async function directEntries(
  executor: QueryExecutorProvider,
  feed: Feed,
  limit: number,
  before?: Before,
): Promise<Entry[]> {
  const entries = newestEntries(sql`${feed}::text`, limit, { before });
  const result = await sql<EntryRow>`
    SELECT time_ms, activity_id FROM ${entries} AS n
    ORDER BY time_ms DESC, activity_id DESC`.execute(executor);
  return result.rows.map(toEntry);
}

/**
 * What edges of `source` contribute, newest first: current edges (all, or only those whose
 * target fans out on write / on read) and, optionally, kept edges.
 */
export async function contributedEntries(
  executor: QueryExecutorProvider,
  source: Feed,
  options: {
    limit: number;
    before?: Before;
    targets?: 'all' | 'write' | 'read' | { only: Feed };
    kept: boolean;
    threshold: number;
  },
): Promise<Entry[]> {
  const targets = options.targets ?? 'all';
  const modeFilter =
    targets === 'all'
      ? sql`true`
      : typeof targets === 'object'
        ? sql`f.target = ${targets.only}`
        : sql`(coalesce((SELECT followers FROM follower_counts c WHERE c.feed = f.target), 0) <= ${options.threshold}) = ${targets === 'write'}`;
  const keptEdges = options.kept
    ? sql`UNION ALL SELECT target, cutoff_ms, cutoff_id, until_position FROM kept_follows WHERE source = ${source}`
    : sql``;
  const result = await sql<EntryRow>`
    WITH edges AS (
      SELECT f.target, f.cutoff_ms, f.cutoff_id, NULL::text AS until_position
      FROM follows f WHERE f.source = ${source} AND ${modeFilter}
      ${keptEdges}
    )
    SELECT DISTINCT c.time_ms, c.activity_id FROM edges
    CROSS JOIN LATERAL ${newestEntries(sql.ref('edges.target'), options.limit, {
      before: options.before,
      after: { ms: sql.ref('edges.cutoff_ms'), id: sql.ref('edges.cutoff_id') },
      until: sql.ref('edges.until_position'),
    })} AS c
    ORDER BY c.time_ms DESC, c.activity_id DESC LIMIT ${options.limit}`.execute(executor);
  return result.rows.map(toEntry);
}

/** A page of content(feed) computed from PostgreSQL alone: the source of truth for reads. */
export async function contentPage(
  executor: QueryExecutorProvider,
  feed: Feed,
  limit: number,
  before: Before,
  threshold: number,
): Promise<Entry[]> {
  const [direct, contributed] = await Promise.all([
    directEntries(executor, feed, limit, before),
    contributedEntries(executor, feed, { limit, before, kept: true, threshold }),
  ]);
  return mergeEntries([direct, contributed], limit);
}

/** Merges newest-first lists into one, without repeats, cut at `limit`. */
export function mergeEntries(lists: readonly (readonly Entry[])[], limit: number): Entry[] {
  const seen = new Map<string, Entry>();
  for (const list of lists) for (const entry of list) seen.set(entry.id, entry);
  return [...seen.values()].sort(compareEntriesDesc).slice(0, limit);
}

export function compareEntriesDesc(a: Entry, b: Entry): number {
  if (a.timeMs !== b.timeMs) return b.timeMs - a.timeMs;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Current edges out of `source`. */
export async function edgesFrom(
  executor: QueryExecutorProvider,
  source: Feed,
): Promise<(FollowEdge & { followers: number })[]> {
  const result = await sql<EdgeSqlRow & { followers: number | null }>`
    SELECT f.source, f.target, f.cutoff_ms, f.cutoff_id, f.followed_position, c.followers
    FROM follows f LEFT JOIN follower_counts c ON c.feed = f.target
    WHERE f.source = ${source}`.execute(executor);
  return result.rows.map((row) => ({ ...toFollowEdge(row), followers: row.followers ?? 0 }));
}

/** Current edges into `target`. */
export async function edgesTo(
  executor: QueryExecutorProvider,
  target: Feed,
): Promise<FollowEdge[]> {
  const result = await sql<EdgeSqlRow>`
    SELECT source, target, cutoff_ms, cutoff_id, followed_position FROM follows
    WHERE target = ${target}`.execute(executor);
  return result.rows.map(toFollowEdge);
}
