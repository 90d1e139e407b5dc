import { type QueryExecutorProvider, sql } from 'kysely';
import type { EdgeRow, Entry } from './feed-queries.js';

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
