import type { Entry } from '@tideline/fanout';
import { type RawBuilder, sql } from 'kysely';

/** Which entries of a feed to take, besides the newest `limit`. */
export interface EntryBounds {
  /** Strictly below this key: a page's cursor. */
  before?: Entry;
  /** Strictly above this key (SQL, may be NULL = no bound): a follow edge's cutoff. */
  after?: { ms: RawBuilder<unknown>; id: RawBuilder<unknown> };
  /** Added strictly before this position (SQL, may be NULL): a kept edge's end. */
  until?: RawBuilder<unknown>;
}

const NULL = sql`NULL`;

/**
 * The newest `limit` entries of one feed within `bounds`, newest first, as a subquery with
 * columns `time_ms`, `activity_id` (usable as a LATERAL per feed). A feed the
 * `author_recent_entries` view holds rows of — a fan-out-on-read author — is read by
 * `newest_feed_entries` (migration 0104): the view up to its position plus what changed
 * since, exact whatever the view's age. Any other feed is read from `feed_entries`
 * directly, as that function would, without its call.
 *
 * @example
 * sql`SELECT time_ms, activity_id FROM ${newestEntries(sql`${'user:ana'}::text`, 25)} AS n`
 */
export function newestEntries(
  feed: RawBuilder<unknown>,
  limit: number,
  bounds: EntryBounds = {},
): RawBuilder<{ time_ms: number; activity_id: string }> {
  const { before, after, until } = bounds;
  const inView = sql`EXISTS (SELECT 1 FROM author_recent_entries w WHERE w.feed = ${feed})`;
  const beforeMs = before ? sql`${before.timeMs}::bigint` : NULL;
  const beforeId = before ? sql`${before.id}::text` : NULL;
  return sql`(
    SELECT n.time_ms, n.activity_id
    FROM newest_feed_entries(${feed}, ${limit}, ${beforeMs}, ${beforeId},
      ${after?.ms ?? NULL}, ${after?.id ?? NULL}, ${until ?? NULL}) AS n
    WHERE ${inView}
    UNION ALL
    (SELECT e.time_ms, e.activity_id FROM feed_entries e
     WHERE NOT ${inView} AND e.feed = ${feed}
       ${before ? sql`AND (e.time_ms, e.activity_id) < (${beforeMs}, ${beforeId})` : sql``}
       ${after ? sql`AND (${after.ms} IS NULL OR (e.time_ms, e.activity_id) > (${after.ms}, ${after.id}))` : sql``}
       ${until ? sql`AND (${until} IS NULL OR e.added_position < ${until})` : sql``}
     ORDER BY e.time_ms DESC, e.activity_id DESC LIMIT ${limit}))`;
}
