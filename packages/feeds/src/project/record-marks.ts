import type { FeedMarkedData } from '@tideline/domain';
import { type QueryExecutorProvider, sql } from 'kysely';

/**
 * Keeps the latest `seen`/`read` position per feed (for `true`) and per named group. Marks
 * commute with everything else in a batch: a group is seen when the latest mark covering it
 * comes after its last member joined, whatever happened in between.
 */
export async function recordMarks(
  tx: QueryExecutorProvider,
  marks: readonly { data: FeedMarkedData; position: string }[],
): Promise<void> {
  if (marks.length === 0) return;
  const all: { feed: string; seen: string | null; read: string | null }[] = [];
  const named: { feed: string; group_id: string; seen: string | null; read: string | null }[] = [];
  for (const { data, position } of marks) {
    if (data.seen === true || data.read === true) {
      all.push({
        feed: data.feed,
        seen: data.seen === true ? position : null,
        read: data.read === true ? position : null,
      });
    }
    for (const kind of ['seen', 'read'] as const) {
      const ids = data[kind];
      if (!Array.isArray(ids)) continue;
      for (const group_id of ids) {
        named.push({
          feed: data.feed,
          group_id,
          seen: kind === 'seen' ? position : null,
          read: kind === 'read' ? position : null,
        });
      }
    }
  }
  // Positions are fixed-width hex, so greatest() on text keeps the latest mark.
  if (all.length > 0) {
    await sql`
      INSERT INTO feed_mark_all AS m (feed, seen_position, read_position)
      SELECT r.feed, max(r.seen), max(r.read)
      FROM jsonb_to_recordset(${JSON.stringify(all)}::jsonb) AS r(feed text, seen text, read text)
      GROUP BY r.feed
      ON CONFLICT (feed) DO UPDATE SET
        seen_position = greatest(m.seen_position, EXCLUDED.seen_position),
        read_position = greatest(m.read_position, EXCLUDED.read_position)`.execute(tx);
  }
  if (named.length > 0) {
    await sql`
      INSERT INTO feed_marks AS m (feed, group_id, seen_position, read_position)
      SELECT r.feed, r.group_id, max(r.seen), max(r.read)
      FROM jsonb_to_recordset(${JSON.stringify(named)}::jsonb)
        AS r(feed text, group_id text, seen text, read text)
      GROUP BY r.feed, r.group_id
      ON CONFLICT (feed, group_id) DO UPDATE SET
        seen_position = greatest(m.seen_position, EXCLUDED.seen_position),
        read_position = greatest(m.read_position, EXCLUDED.read_position)`.execute(tx);
  }
}
