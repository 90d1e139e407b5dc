import { type QueryExecutorProvider, sql } from 'kysely';
import { type EventRow, eventColumns, type StoredEvent, toStoredEvent } from './stored-event.js';

export interface ReadStreamOptions {
  direction?: 'forward' | 'backward';
  /**
   * First version to return, inclusive. Forward defaults to 1; backward to the end.
   */
  fromVersion?: number;
  /** Default 1000. */
  limit?: number;
}

/**
 * Reads one stream in version order.
 *
 * @example
 * const latest = await readStream(db, 'feed-user:ana', { direction: 'backward', limit: 10 });
 */
export async function readStream(
  executor: QueryExecutorProvider,
  streamId: string,
  options: ReadStreamOptions = {},
): Promise<StoredEvent[]> {
  const limit = options.limit ?? 1000;
  const backward = options.direction === 'backward';
  const from = options.fromVersion ?? (backward ? Number.MAX_SAFE_INTEGER : 1);
  const result = backward
    ? await sql<EventRow>`
        SELECT ${sql.raw(eventColumns)} FROM events
        WHERE stream_id = ${streamId} AND stream_version <= ${from}
        ORDER BY stream_version DESC LIMIT ${limit}`.execute(executor)
    : await sql<EventRow>`
        SELECT ${sql.raw(eventColumns)} FROM events
        WHERE stream_id = ${streamId} AND stream_version >= ${from}
        ORDER BY stream_version ASC LIMIT ${limit}`.execute(executor);
  return result.rows.map(toStoredEvent);
}
