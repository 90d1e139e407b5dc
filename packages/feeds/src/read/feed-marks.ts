import type { Feed } from '@tideline/domain';
import { type QueryExecutorProvider, sql } from 'kysely';

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
