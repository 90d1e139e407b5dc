import { type QueryExecutorProvider, sql } from 'kysely';
import { type Position, positionOfRow, positionParts, START } from './position.js';
import { type EventRow, eventColumns, type StoredEvent, toStoredEvent } from './stored-event.js';

export interface ReadAllOptions {
  /** Return events after this position; default: from the start of the log. */
  after?: Position;
  /** Default 500. */
  limit?: number;
}

export interface ReadAllResult {
  events: StoredEvent[];
  /** Pass back as `after`; equals `after` when there was nothing new. */
  next: Position;
}

/**
 * Reads the whole log in global order, gap-safe.
 *
 * Identity values are handed out when rows are inserted, not when transactions commit, so
 * a plain `position > last` poll skips an event whose transaction commits after a later
 * one. Here events are ordered by `(transaction_id, position)` and only those whose
 * transaction is older than every transaction still running are returned: all of those
 * have finished, so nothing can appear behind the returned ones afterwards. The
 * `(transaction_id, position)` index turns this into an index scan with no sort.
 *
 * @example
 * let after = START;
 * for (;;) { const page = await readAll(db, { after }); if (!page.events.length) break; after = page.next; }
 */
export async function readAll(
  executor: QueryExecutorProvider,
  options: ReadAllOptions = {},
): Promise<ReadAllResult> {
  const limit = options.limit ?? 500;
  const after = options.after ?? START;
  const parts = positionParts(after);
  const result =
    await sql<EventRow>`${readAllQuery(parts.transactionId, parts.sequence, limit)}`.execute(
      executor,
    );
  const events = result.rows.map(toStoredEvent);
  return { events, next: events[events.length - 1]?.position ?? after };
}

/**
 * The position of the newest event in global order, or `START` when the log is empty.
 * `fenced`: the newest one `readAll` would return now, which sits behind the newest row
 * while an older transaction is still open.
 *
 * @example
 * const head = await readHead(db);
 */
export async function readHead(
  executor: QueryExecutorProvider,
  options: { fenced?: boolean } = {},
): Promise<Position> {
  const fence = options.fenced
    ? sql`WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())`
    : sql``;
  // ORDER BY names the table's columns: a bare `transaction_id` would be the text the
  // select list makes of it, and '99999' sorts after '100000'.
  const result = await sql<{ transaction_id: string; position: number }>`
    SELECT transaction_id::text AS transaction_id, position FROM events ${fence}
    ORDER BY events.transaction_id DESC, events.position DESC LIMIT 1`.execute(executor);
  const row = result.rows[0];
  return row ? positionOfRow(row) : START;
}

/** The poll query, shared with the EXPLAIN test. */
export function readAllQuery(transactionId: bigint, sequence: bigint, limit: number) {
  return sql`
    SELECT ${sql.raw(eventColumns)} FROM events
    WHERE (transaction_id, position) > (${transactionId.toString()}::xid8, ${sequence.toString()}::bigint)
      AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
    ORDER BY events.transaction_id, events.position
    LIMIT ${limit}`;
}

/**
 * Whether events after `after` exist that `readAll` holds back because an older
 * transaction is still running: a reader should look again soon rather than sleep until
 * the next notification.
 */
export async function hasWithheldEvents(
  executor: QueryExecutorProvider,
  after: Position,
): Promise<boolean> {
  const parts = positionParts(after);
  const result = await sql<{ withheld: boolean }>`
    SELECT EXISTS (
      SELECT 1 FROM events
      WHERE (transaction_id, position) > (${parts.transactionId.toString()}::xid8, ${parts.sequence.toString()}::bigint)
        AND transaction_id >= pg_snapshot_xmin(pg_current_snapshot())
    ) AS withheld`.execute(executor);
  return result.rows[0]?.withheld ?? false;
}

/**
 * Whether any committed event comes after `after`, fence or not. A consumer whose batch
 * came back empty while this is true was held back by a transaction that has since ended
 * or soon will: it polls again shortly instead of waiting for a notification.
 */
export async function hasEventsAfter(
  executor: QueryExecutorProvider,
  after: Position,
): Promise<boolean> {
  const parts = positionParts(after);
  const result = await sql<{ found: boolean }>`
    SELECT EXISTS (
      SELECT 1 FROM events
      WHERE (transaction_id, position) > (${parts.transactionId.toString()}::xid8, ${parts.sequence.toString()}::bigint)
    ) AS found`.execute(executor);
  return result.rows[0]?.found ?? false;
}

/**
 * Whether an event of the log stands at `position`: every id a reader was ever given is
 * one (or `START`), so a position that is not is foreign to this log.
 */
export async function hasEventAt(
  executor: QueryExecutorProvider,
  position: Position,
): Promise<boolean> {
  const parts = positionParts(position);
  const result = await sql<{ found: boolean }>`
    SELECT EXISTS (
      SELECT 1 FROM events
      WHERE position = ${parts.sequence.toString()}::bigint
        AND transaction_id = ${parts.transactionId.toString()}::xid8
    ) AS found`.execute(executor);
  return result.rows[0]?.found ?? false;
}
