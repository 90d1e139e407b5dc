import { isPosition, type Position } from '@tideline/event-store';
import { type QueryExecutorProvider, sql } from 'kysely';

/**
 * Records, in the projector's transaction, that Redis has the writes of every batch up
 * to `position`, and returns what was recorded before (the state the batch started
 * from, which Redis must at least hold). One statement.
 *
 * @example
 * const previous = await recordRedisApplied(tx, events[events.length - 1].position);
 */
export async function recordRedisApplied(
  tx: QueryExecutorProvider,
  position: Position,
): Promise<Position | undefined> {
  const result = await sql<{ previous: string | null }>`
    WITH before AS (SELECT position FROM feed_redis_applied)
    INSERT INTO feed_redis_applied (only_row, position) VALUES (true, ${position})
    ON CONFLICT (only_row) DO UPDATE SET position = excluded.position
    RETURNING (SELECT position FROM before) AS previous`.execute(tx);
  return asPosition(result.rows[0]?.previous);
}

/** The committed position Redis must at least hold; `undefined` before any batch. */
export async function readRedisApplied(
  executor: QueryExecutorProvider,
): Promise<Position | undefined> {
  const result = await sql<{ position: string }>`
    SELECT position FROM feed_redis_applied`.execute(executor);
  return asPosition(result.rows[0]?.position);
}

function asPosition(value: string | null | undefined): Position | undefined {
  return value && isPosition(value) ? value : undefined;
}
