import { type QueryExecutorProvider, sql } from 'kysely';
import { type Position, positionOfRow, positionParts, START } from './position.js';
import { readHead } from './read-all.js';

/** Where a consumer with no stored checkpoint begins. */
export type StartFrom = 'beginning' | 'end' | Position;

/**
 * Reads a consumer's checkpoint and locks its row until the transaction ends, creating it
 * from `startFrom` the first time. The row lock makes any two transactions working for
 * the same consumer take turns, whatever happens to the advisory lock.
 */
export async function lockCheckpoint(
  tx: QueryExecutorProvider,
  name: string,
  startFrom: StartFrom,
): Promise<Position> {
  const stored = await selectForUpdate(tx, name);
  if (stored) return stored;
  const parts = positionParts(await initialPosition(tx, startFrom));
  await sql`
    INSERT INTO consumer_checkpoints (name, transaction_id, position)
    VALUES (${name}, ${parts.transactionId.toString()}::xid8, ${parts.sequence.toString()}::bigint)
    ON CONFLICT (name) DO NOTHING`.execute(tx);
  const created = await selectForUpdate(tx, name);
  if (!created) throw new Error(`checkpoint of ${name} vanished`);
  return created;
}

async function selectForUpdate(
  tx: QueryExecutorProvider,
  name: string,
): Promise<Position | undefined> {
  const result = await sql<{ transaction_id: string; position: number }>`
    SELECT transaction_id::text AS transaction_id, position FROM consumer_checkpoints
    WHERE name = ${name} FOR UPDATE`.execute(tx);
  const row = result.rows[0];
  return row ? positionOfRow(row) : undefined;
}

export async function saveCheckpoint(
  tx: QueryExecutorProvider,
  name: string,
  position: Position,
): Promise<void> {
  const parts = positionParts(position);
  await sql`
    UPDATE consumer_checkpoints
    SET transaction_id = ${parts.transactionId.toString()}::xid8,
        position = ${parts.sequence.toString()}::bigint, updated_at = now()
    WHERE name = ${name}`.execute(tx);
}

/** The stored checkpoint, or `undefined` for a consumer that never ran. */
export async function readCheckpoint(
  executor: QueryExecutorProvider,
  name: string,
): Promise<Position | undefined> {
  const result = await sql<{ transaction_id: string; position: number }>`
    SELECT transaction_id::text AS transaction_id, position FROM consumer_checkpoints
    WHERE name = ${name}`.execute(executor);
  const row = result.rows[0];
  return row ? positionOfRow(row) : undefined;
}

/** Events after `position` in global order, counted up to `cap` (metrics need no more). */
export async function countEventsAfter(
  executor: QueryExecutorProvider,
  position: Position,
  cap = 1_000_000,
): Promise<number> {
  const parts = positionParts(position);
  const result = await sql<{ lag: number }>`
    SELECT count(*)::int AS lag FROM (
      SELECT 1 FROM events
      WHERE (transaction_id, position) > (${parts.transactionId.toString()}::xid8, ${parts.sequence.toString()}::bigint)
      LIMIT ${cap}
    ) AS pending`.execute(executor);
  return result.rows[0]?.lag ?? 0;
}

async function initialPosition(tx: QueryExecutorProvider, startFrom: StartFrom): Promise<Position> {
  if (startFrom === 'beginning') return START;
  if (startFrom !== 'end') return startFrom;
  return readHead(tx);
}

/**
 * Whether a consumer has processed every event committed so far (the log's last event is
 * at or before its checkpoint).
 *
 * @example
 * if (await hasCaughtUp(db, 'feeds')) reportReady();
 */
export async function hasCaughtUp(executor: QueryExecutorProvider, name: string): Promise<boolean> {
  const head = await readHead(executor);
  if (head === START) return true;
  const checkpoint = await readCheckpoint(executor, name);
  return checkpoint !== undefined && checkpoint >= head;
}
