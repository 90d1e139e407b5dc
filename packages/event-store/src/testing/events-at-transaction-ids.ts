import { randomUUID } from 'node:crypto';
import { type QueryExecutorProvider, sql } from 'kysely';
import { type Position, positionOfRow } from '../position.js';

export interface EventAt {
  transactionId: bigint;
  streamId: string;
  streamVersion: number;
  type: string;
  data: unknown;
}

/**
 * A power of ten below every transaction still running in the cluster, for tests of the
 * order across a change in the number of digits (…99,999 → 100,000): events stored at
 * `boundary - 1n` and `boundary` are older than any open transaction, so `readAll`
 * delivers them.
 */
export async function digitBoundary(executor: QueryExecutorProvider): Promise<bigint> {
  const result = await sql<{ xmin: string }>`
    SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`.execute(executor);
  const below = BigInt(result.rows[0]?.xmin ?? '0') - 1n;
  if (below < 10n) throw new Error(`transaction ids are still below 10 (${below})`);
  return 10n ** BigInt(below.toString().length - 1);
}

/**
 * Stores events as if the given transactions had appended them, in this order. The log
 * takes its transaction ids from PostgreSQL; only tests choose them, to reach ids the
 * cluster has already passed.
 */
export async function insertEventsAt(
  executor: QueryExecutorProvider,
  events: readonly EventAt[],
): Promise<Position[]> {
  const positions: Position[] = [];
  for (const event of events) {
    const result = await sql<{ transaction_id: string; position: number }>`
      INSERT INTO events (transaction_id, stream_id, stream_version, event_id, type, data)
      VALUES (${event.transactionId.toString()}::xid8, ${event.streamId}, ${event.streamVersion},
              ${randomUUID()}, ${event.type}, ${JSON.stringify(event.data)}::jsonb)
      RETURNING transaction_id::text AS transaction_id, position`.execute(executor);
    const row = result.rows[0];
    if (!row) throw new Error('the insert returned no row');
    positions.push(positionOfRow(row));
  }
  return positions;
}
