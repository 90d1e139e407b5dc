import type { Feed } from '@tideline/domain';
import type { Entry, FollowEdge, FollowGraph } from '@tideline/fanout';
import { type QueryExecutorProvider, sql } from 'kysely';
import {
  contributedEntries,
  type EdgeSqlRow,
  edgesTo,
  toFollowEdge,
} from '../read/feed-queries.js';

/**
 * The follow graph fan-out plans with, read from the PostgreSQL read models in the
 * projector's transaction — so it sees the batch's own writes and nothing later.
 */
export function pgFollowGraph(tx: QueryExecutorProvider, threshold: number): FollowGraph {
  return {
    followerCounts: (feeds) => followerCounts(tx, feeds),
    edgesOfAuthors: (authors) => edgesOfAuthors(tx, authors),
    edgesTo: (author) => edgesTo(tx, author),
    contributionsOf: (edges, limit) => contributionsOf(tx, edges, limit),
    writeTimeline: (feed, limit) =>
      contributedEntries(tx, feed, { limit, targets: 'write', kept: true, threshold }),
  };
}

/**
 * The current followers of each of `authors`, in one query — only of authors with at most
 * `maxFollowers` followers when given (those that fan out on write).
 */
export async function edgesOfAuthors(
  tx: QueryExecutorProvider,
  authors: readonly Feed[],
  maxFollowers?: number,
): Promise<Map<Feed, FollowEdge[]>> {
  const byAuthor = new Map<Feed, FollowEdge[]>();
  if (authors.length === 0) return byAuthor;
  const result = await sql<EdgeSqlRow>`
    SELECT f.source, f.target, f.cutoff_ms, f.cutoff_id, f.followed_position
    FROM follower_counts c JOIN follows f ON f.target = c.feed
    WHERE c.feed = ANY(${authors}::text[]) AND c.followers BETWEEN 1 AND ${maxFollowers ?? 2 ** 31 - 1}`.execute(
    tx,
  );
  for (const row of result.rows) {
    const edges = byAuthor.get(row.target) ?? [];
    edges.push(toFollowEdge(row));
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

/** For each edge, the entries it contributes (newest first, at most `limit`), in one query. */
export async function contributionsOf(
  tx: QueryExecutorProvider,
  edges: readonly FollowEdge[],
  limit: number,
): Promise<Map<string, Entry[]>> {
  const byEdge = new Map<string, Entry[]>();
  if (edges.length === 0) return byEdge;
  const rows = edges.map((edge) => ({
    source: edge.source,
    target: edge.target,
    cutoff_ms: edge.cutoffMs,
    cutoff_id: edge.cutoffId,
  }));
  const result = await sql<{
    source: string;
    target: string;
    time_ms: number;
    activity_id: string;
  }>`
    SELECT r.source, r.target, c.time_ms, c.activity_id
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS r(source text, target text, cutoff_ms bigint, cutoff_id text)
    CROSS JOIN LATERAL (
      SELECT e.time_ms, e.activity_id FROM feed_entries e
      WHERE e.feed = r.target
        AND (r.cutoff_ms IS NULL OR (e.time_ms, e.activity_id) > (r.cutoff_ms, r.cutoff_id))
      ORDER BY e.time_ms DESC, e.activity_id DESC LIMIT ${limit}
    ) AS c`.execute(tx);
  for (const row of result.rows) {
    const key = `${row.source}>${row.target}`;
    const list = byEdge.get(key) ?? [];
    list.push({ timeMs: row.time_ms, id: row.activity_id });
    byEdge.set(key, list);
  }
  return byEdge;
}
