import type { Feed, FeedFollowedData } from '@tideline/domain';
import { type QueryExecutorProvider, sql } from 'kysely';
import type { EdgeRow, Entry } from './feed-queries.js';

export interface NewFollow {
  follow: FeedFollowedData;
  position: string;
}

export interface RecordedFollows {
  /** Edges created, in log order (existing edges and self-follows are skipped). */
  edges: EdgeRow[];
  /** Follower counts of the targets before and after the run. */
  counts: Map<Feed, { before: number; after: number }>;
}

/**
 * Records a run of follows in three statements: the edges with their cutoffs (the key of
 * the (copyLimit+1)-th newest entry of the target, computed per edge), then both counts.
 * Within a run no activity is added, so every cutoff sees the same entries.
 */
export async function recordFollows(
  tx: QueryExecutorProvider,
  follows: readonly NewFollow[],
): Promise<RecordedFollows> {
  const rows = follows
    .filter(({ follow }) => follow.source !== follow.target)
    .map(({ follow, position }, n) => ({ ...follow, position, n }));
  if (rows.length === 0) return { edges: [], counts: new Map() };
  const inserted = await sql<{
    source: string;
    target: string;
    cutoff_ms: number | null;
    cutoff_id: string | null;
    followed_position: string;
  }>`
    INSERT INTO follows (source, target, cutoff_ms, cutoff_id, followed_position)
    SELECT r.source, r.target, c.time_ms, c.activity_id, r.position
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS r(source text, target text, "copyLimit" int, position text, n int)
    LEFT JOIN LATERAL (
      SELECT e.time_ms, e.activity_id FROM feed_entries e WHERE e.feed = r.target
      ORDER BY e.time_ms DESC, e.activity_id DESC OFFSET r."copyLimit" LIMIT 1
    ) AS c ON true
    ORDER BY r.n
    ON CONFLICT DO NOTHING
    RETURNING source, target, cutoff_ms, cutoff_id, followed_position`.execute(tx);
  const edges = inserted.rows
    .map((row) => ({
      source: row.source,
      target: row.target,
      cutoffMs: row.cutoff_ms,
      cutoffId: row.cutoff_id,
      followedPosition: row.followed_position,
    }))
    .sort((a, b) => (a.followedPosition < b.followedPosition ? -1 : 1));
  const counts = await bumpCounts(tx, edges, 1);
  return { edges, counts };
}

/**
 * Adds `delta` per edge to the sources' `following` and the targets' `followers`, in two
 * statements; returns each target's count before and after.
 */
export async function bumpCounts(
  tx: QueryExecutorProvider,
  edges: readonly Pick<EdgeRow, 'source' | 'target'>[],
  delta: 1 | -1,
): Promise<Map<Feed, { before: number; after: number }>> {
  const tally = (pick: (edge: Pick<EdgeRow, 'source' | 'target'>) => Feed) => {
    const counts = new Map<Feed, number>();
    for (const edge of edges) counts.set(pick(edge), (counts.get(pick(edge)) ?? 0) + delta);
    return JSON.stringify([...counts].map(([feed, n]) => ({ feed, n })));
  };
  const result = new Map<Feed, { before: number; after: number }>();
  if (edges.length === 0) return result;
  await sql`
    INSERT INTO follower_counts (feed, following)
    SELECT r.feed, r.n FROM jsonb_to_recordset(${tally((e) => e.source)}::jsonb) AS r(feed text, n int)
    ON CONFLICT (feed) DO UPDATE SET following = follower_counts.following + EXCLUDED.following`.execute(
    tx,
  );
  const targets = await sql<{ feed: string; followers: number; n: number }>`
    WITH deltas AS (
      SELECT r.feed, r.n FROM jsonb_to_recordset(${tally((e) => e.target)}::jsonb) AS r(feed text, n int)
    ), upserted AS (
      INSERT INTO follower_counts (feed, followers) SELECT feed, n FROM deltas
      ON CONFLICT (feed) DO UPDATE SET followers = follower_counts.followers + EXCLUDED.followers
      RETURNING feed, followers
    )
    SELECT u.feed, u.followers, d.n FROM upserted u JOIN deltas d USING (feed)`.execute(tx);
  for (const row of targets.rows)
    result.set(row.feed, { before: row.followers - row.n, after: row.followers });
  return result;
}

/** For each edge, the entries it contributes (newest first, at most `limit`), in one query. */
export async function contributionsOf(
  tx: QueryExecutorProvider,
  edges: readonly EdgeRow[],
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
