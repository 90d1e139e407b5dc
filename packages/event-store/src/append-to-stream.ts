import { randomUUID } from 'node:crypto';
import { type QueryExecutorProvider, sql } from 'kysely';
import { type ExpectedVersion, IdempotencyConflictError, VersionConflictError } from './errors.js';
import { type Position, positionOfRow } from './position.js';
import type { NewEvent } from './stored-event.js';

export interface AppendOptions {
  /** Default `any`: never conflicts, appends after whatever is there. */
  expectedVersion?: ExpectedVersion;
}

export interface AppendResult {
  /** Version of the stream after the append (that of its last event). */
  streamVersion: number;
  /** Global position of the last appended event. */
  position: Position;
  /** True when every event id was stored already: this was a retry, nothing was written. */
  duplicate: boolean;
}

/** At most this many events per append; the API's batches are far smaller. */
export const MAX_EVENTS_PER_APPEND = 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Appends events to one stream inside the caller's transaction.
 *
 * Concurrent appends to one stream queue up on a lock instead of failing (for `any`), and
 * re-check the expected version once they hold it (for a number). A retried append — the same event ids —
 * returns the first result and writes nothing.
 *
 * Run it in a transaction, as its first write: a failure after the version bump must roll
 * the bump back, and see `lockStream` for why nothing may be written before it.
 *
 * @example
 * await db.transaction().execute((tx) =>
 *   appendToStream(tx, 'feed-user:ana', [{ type: 'ActivityAdded', data }], { expectedVersion: 3 }),
 * );
 */
export async function appendToStream(
  tx: QueryExecutorProvider,
  streamId: string,
  events: readonly NewEvent[],
  options: AppendOptions = {},
): Promise<AppendResult> {
  const expected = options.expectedVersion ?? 'any';
  if (events.length === 0) throw new RangeError('appendToStream needs at least one event');
  if (events.length > MAX_EVENTS_PER_APPEND) {
    throw new RangeError(`appendToStream takes at most ${MAX_EVENTS_PER_APPEND} events`);
  }
  const ids = events.map((event) => event.id ?? randomUUID());
  const badId = ids.find((id) => !UUID.test(id));
  if (badId !== undefined) throw new RangeError(`event id ${badId} is not a UUID`);
  if (new Set(ids).size !== ids.length) {
    throw new IdempotencyConflictError(streamId, 'an append repeats an event id');
  }

  const retried = await findRetriedAppend(tx, streamId, ids);
  if (retried) return retried;

  await lockStream(tx, streamId);

  const lastVersion = await reserveVersions(tx, streamId, events.length, expected);
  const firstVersion = lastVersion - events.length + 1;
  const rows = events.map((event, index) => ({
    version: firstVersion + index,
    event_id: ids[index],
    type: event.type,
    data: event.data,
    metadata: event.metadata ?? {},
  }));
  const inserted = await sql<{ position: number; transaction_id: string }>`
    INSERT INTO events (stream_id, stream_version, event_id, type, data, metadata)
    SELECT ${streamId}, r.version, r.event_id, r.type, r.data, r.metadata
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS r(version bigint, event_id uuid, type text, data jsonb, metadata jsonb)
    ORDER BY r.version
    RETURNING position, transaction_id::text AS transaction_id`.execute(tx);
  const last = inserted.rows.reduce((a, b) => (b.position > a.position ? b : a));
  return {
    streamVersion: lastVersion,
    position: positionOfRow(last),
    duplicate: false,
  };
}

/**
 * Serializes appends to one stream before the transaction gets its id.
 *
 * Readers deliver events in transaction-id order, and a transaction id is handed out at
 * a transaction's first write. Were the stream row's lock the first thing taken, a waiting
 * append could hold a lower transaction id than the append it waits for, and its later
 * stream version would be delivered first. An advisory lock needs no transaction id, so
 * the id is assigned only once the lock is held: stream order and delivery order agree.
 * That is also why the append must be the transaction's first write.
 */
async function lockStream(tx: QueryExecutorProvider, streamId: string): Promise<void> {
  const result = await sql<{ xid: string | null }>`
    SELECT pg_current_xact_id_if_assigned()::text AS xid`.execute(tx);
  if (result.rows[0]?.xid) {
    throw new Error('appendToStream must be the first write of its transaction');
  }
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`tideline-stream:${streamId}`}, 0))`.execute(
    tx,
  );
}

/**
 * Bumps the stream's version by `count` if `expected` holds, returning the new version.
 * Every branch is one statement, so the check and the bump happen under the same row lock.
 */
async function reserveVersions(
  tx: QueryExecutorProvider,
  streamId: string,
  count: number,
  expected: ExpectedVersion,
): Promise<number> {
  let bumped: { version: number } | undefined;
  if (expected === 'any') {
    const result = await sql<{ version: number }>`
      INSERT INTO streams (stream_id, version) VALUES (${streamId}, ${count})
      ON CONFLICT (stream_id) DO UPDATE SET version = streams.version + ${count}
      RETURNING version`.execute(tx);
    bumped = result.rows[0];
  } else if (expected === 'no_stream' || expected === 0) {
    const result = await sql<{ version: number }>`
      INSERT INTO streams (stream_id, version) VALUES (${streamId}, ${count})
      ON CONFLICT (stream_id) DO NOTHING
      RETURNING version`.execute(tx);
    bumped = result.rows[0];
  } else if (expected === 'stream_exists') {
    const result = await sql<{ version: number }>`
      UPDATE streams SET version = version + ${count} WHERE stream_id = ${streamId}
      RETURNING version`.execute(tx);
    bumped = result.rows[0];
  } else {
    if (!Number.isSafeInteger(expected) || expected < 0) {
      throw new RangeError(`expected version ${expected} is not a version`);
    }
    const result = await sql<{ version: number }>`
      UPDATE streams SET version = version + ${count}
      WHERE stream_id = ${streamId} AND version = ${expected}
      RETURNING version`.execute(tx);
    bumped = result.rows[0];
  }
  if (bumped) return bumped.version;
  throw new VersionConflictError(streamId, expected, await currentVersion(tx, streamId));
}

async function currentVersion(tx: QueryExecutorProvider, streamId: string): Promise<number> {
  const result = await sql<{ version: number }>`
    SELECT version FROM streams WHERE stream_id = ${streamId}`.execute(tx);
  return result.rows[0]?.version ?? 0;
}

/** The earlier result when every id was appended before, in this stream and this order. */
async function findRetriedAppend(
  tx: QueryExecutorProvider,
  streamId: string,
  ids: readonly string[],
): Promise<AppendResult | undefined> {
  const found = await sql<{
    event_id: string;
    stream_id: string;
    stream_version: number;
    position: number;
    transaction_id: string;
  }>`
    SELECT event_id, stream_id, stream_version, position, transaction_id::text AS transaction_id
    FROM events WHERE event_id = ANY(${ids}::uuid[])
    ORDER BY stream_version`.execute(tx);
  if (found.rows.length === 0) return undefined;
  const byId = new Map(found.rows.map((row) => [row.event_id.toLowerCase(), row]));
  const stored = ids.map((id) => byId.get(id.toLowerCase()));
  const first = stored[0];
  const isSameAppend =
    first !== undefined &&
    stored.every(
      (row, index) =>
        row !== undefined &&
        row.stream_id === streamId &&
        row.stream_version === first.stream_version + index,
    );
  if (!isSameAppend) {
    throw new IdempotencyConflictError(
      streamId,
      `${found.rows.length} of ${ids.length} event ids were appended before, not as this same append`,
    );
  }
  const last = found.rows[found.rows.length - 1] ?? first;
  return {
    streamVersion: last.stream_version,
    position: positionOfRow(last),
    duplicate: true,
  };
}
