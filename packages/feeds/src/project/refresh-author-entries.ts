import { type Kysely, sql } from 'kysely';

/** Session advisory lock: one process refreshes the view at a time. */
export const VIEW_REFRESH_LOCK = 7_463_118_024;

export interface RefreshOptions {
  /** Newest entries kept per feed: TIMELINE_MAX, what a regeneration reads. */
  depth: number;
  /** Feeds with more followers than this are kept: FANOUT_THRESHOLD, the fan-out-on-read authors. */
  minFollowers: number;
  /** Refresh only when the last refresh (by any process) is at least this old. */
  intervalMs: number;
}

export type RefreshResult =
  | {
      status: 'refreshed';
      /** The feed projector's checkpoint the view now describes (null: it never ran). */
      position: string | null;
      /** Rows the view holds. */
      entries: number;
      durationMs: number;
      /** When to try again. */
      dueInMs: number;
    }
  | { status: 'not-due' | 'busy'; dueInMs: number };

/**
 * Refreshes the `author_recent_entries` materialized view CONCURRENTLY (reads never
 * wait for it) when it is due, recording in the same transaction the feed projector's
 * checkpoint it was computed at. The transaction is REPEATABLE READ, so the checkpoint
 * and the view's query see one snapshot — and the projector writes its tables and its
 * checkpoint in one transaction, so the view is exactly the read models at that position.
 * Any number of processes may call this: an advisory lock lets one refresh at a time, and
 * the others find it busy or not due.
 *
 * @example
 * const result = await refreshAuthorEntries(db, { depth: 800, minFollowers: 10_000, intervalMs: 30_000 });
 * if (result.status === 'refreshed') log.info({ durationMs: result.durationMs }, 'view refreshed');
 */
export async function refreshAuthorEntries(
  db: Kysely<unknown>,
  options: RefreshOptions,
): Promise<RefreshResult> {
  return db.connection().execute(async (connection) => {
    // Locked before the transaction takes its snapshot, so it sees the last refresh.
    const lock = await sql<{ locked: boolean }>`
      SELECT pg_try_advisory_lock(${VIEW_REFRESH_LOCK}) AS locked`.execute(connection);
    if (!lock.rows[0]?.locked) return { status: 'busy', dueInMs: 1000 };
    try {
      const started = performance.now();
      const result = await connection
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (tx): Promise<RefreshResult> => {
          const recorded = await sql<{ position: string | null }>`
            UPDATE author_recent_entries_refresh SET
              position = (
                SELECT lpad(to_hex(c.transaction_id::text::bigint), 16, '0')
                  || lpad(to_hex(c.position), 16, '0')
                FROM consumer_checkpoints c WHERE c.name = 'feeds'),
              depth = ${options.depth},
              min_followers = ${options.minFollowers},
              refreshed_at = now()
            WHERE refreshed_at IS NULL
              OR refreshed_at <= now() - ${options.intervalMs}::float8 * interval '1 millisecond'
            RETURNING position`.execute(tx);
          const row = recorded.rows[0];
          if (!row) {
            const last = await sql<{ due_in_ms: number }>`
              SELECT greatest(0, ${options.intervalMs}::float8
                - extract(epoch FROM now() - refreshed_at) * 1000)::int AS due_in_ms
              FROM author_recent_entries_refresh`.execute(tx);
            return { status: 'not-due', dueInMs: last.rows[0]?.due_in_ms ?? options.intervalMs };
          }
          await sql`REFRESH MATERIALIZED VIEW CONCURRENTLY author_recent_entries`.execute(tx);
          const count = await sql<{ n: number }>`
            SELECT count(*)::int AS n FROM author_recent_entries`.execute(tx);
          return {
            status: 'refreshed',
            position: row.position,
            entries: count.rows[0]?.n ?? 0,
            durationMs: 0,
            dueInMs: options.intervalMs,
          };
        });
      // Measured past the commit: what the refresh cost, end to end.
      if (result.status === 'refreshed')
        result.durationMs = Math.round(performance.now() - started);
      return result;
    } finally {
      await sql`SELECT pg_advisory_unlock(${VIEW_REFRESH_LOCK})`.execute(connection);
    }
  });
}
