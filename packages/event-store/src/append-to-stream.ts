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

export interface StreamAppend extends AppendOptions {
  streamId: string;
  events: readonly NewEvent[];
}

/**
 * Appends events to one stream inside the caller's transaction.
 *
 * Concurrent appends to one stream queue up on a lock instead of failing (for `any`), and
 * re-check the expected version once they hold it (for a number). A retried append — the
 * same event ids — returns the first result and writes nothing.
 *
 * Run it in a transaction, as its first write: a failure after the version bump must roll
 * the bump back, and see `lockStreams` for why nothing may be written before it.
 *
 * @example
 * await db.transaction().execute((tx) =>
 *   appendToStream(tx, 'feed:user:ana', [{ type: 'ActivityAdded', data }], { expectedVersion: 3 }),
 * );
 */
export async function appendToStream(
  tx: QueryExecutorProvider,
  streamId: string,
  events: readonly NewEvent[],
  options: AppendOptions = {},
): Promise<AppendResult> {
  const [result] = await appendToStreams(tx, [{ streamId, events, ...options }]);
  if (!result) throw new Error('appendToStreams returned no result');
  return result;
}

/**
 * Appends to several streams atomically (e.g. one stream per follow edge), with the same
 * guarantees per stream as `appendToStream`. Results come back in the order given.
 *
 * @example
 * await appendToStreams(tx, edges.map((edge) => ({ streamId: edge.stream, events: [edge.event] })));
 */
export async function appendToStreams(
  tx: QueryExecutorProvider,
  appends: readonly StreamAppend[],
): Promise<AppendResult[]> {
  const prepared = appends.map(prepare);
  if (new Set(prepared.map((p) => p.streamId)).size !== prepared.length) {
    throw new RangeError('appendToStreams takes each stream once');
  }
  const allIds = prepared.flatMap((p) => p.ids);
  if (new Set(allIds).size !== allIds.length) {
    throw new IdempotencyConflictError(
      prepared[0]?.streamId ?? '',
      'an append repeats an event id',
    );
  }
  const stored = await findStoredEvents(tx, allIds);
  const results: (AppendResult | undefined)[] = prepared.map((p) => retriedResult(p, stored));
  const pending = prepared.filter((_, index) => results[index] === undefined);
  if (pending.length === 0) return results as AppendResult[];

  await lockStreams(
    tx,
    pending.map((p) => p.streamId),
  );
  const rows = [];
  for (const append of pending) {
    const lastVersion = await reserveVersions(
      tx,
      append.streamId,
      append.events.length,
      append.expected,
    );
    const firstVersion = lastVersion - append.events.length + 1;
    rows.push(
      ...append.events.map((event, index) => ({
        stream_id: append.streamId,
        version: firstVersion + index,
        event_id: append.ids[index],
        type: event.type,
        data: event.data,
        metadata: event.metadata ?? {},
      })),
    );
  }
  const inserted = await sql<{
    stream_id: string;
    stream_version: number;
    position: number;
    transaction_id: string;
  }>`
    INSERT INTO events (stream_id, stream_version, event_id, type, data, metadata)
    SELECT r.stream_id, r.version, r.event_id, r.type, r.data, r.metadata
    FROM jsonb_to_recordset(${JSON.stringify(rows.map((row, n) => ({ ...row, n })))}::jsonb)
      AS r(stream_id text, version bigint, event_id uuid, type text, data jsonb, metadata jsonb, n int)
    ORDER BY r.n
    RETURNING stream_id, stream_version, position, transaction_id::text AS transaction_id`.execute(
    tx,
  );
  const lastOfStream = new Map<string, (typeof inserted.rows)[number]>();
  for (const row of inserted.rows) {
    const seen = lastOfStream.get(row.stream_id);
    if (!seen || row.stream_version > seen.stream_version) lastOfStream.set(row.stream_id, row);
  }
  return prepared.map((append, index) => {
    const earlier = results[index];
    if (earlier) return earlier;
    const last = lastOfStream.get(append.streamId);
    if (!last) throw new Error(`no event was inserted into ${append.streamId}`);
    return { streamVersion: last.stream_version, position: positionOfRow(last), duplicate: false };
  });
}

interface PreparedAppend {
  streamId: string;
  events: readonly NewEvent[];
  ids: string[];
  expected: ExpectedVersion;
}

function prepare(append: StreamAppend): PreparedAppend {
  const { streamId, events } = append;
  if (events.length === 0) throw new RangeError('an append needs at least one event');
  if (events.length > MAX_EVENTS_PER_APPEND) {
    throw new RangeError(`an append takes at most ${MAX_EVENTS_PER_APPEND} events`);
  }
  const ids = events.map((event) => event.id ?? randomUUID());
  const badId = ids.find((id) => !UUID.test(id));
  if (badId !== undefined) throw new RangeError(`event id ${badId} is not a UUID`);
  return { streamId, events, ids, expected: append.expectedVersion ?? 'any' };
}

/**
 * Takes, for the rest of the caller's transaction, the lock every append to `streamId`
 * takes. A read-decide-append step that takes it before it reads then decides on the
 * stream's latest state, and its expected-version append cannot conflict: steps on one
 * stream take turns instead of failing and retrying. Like an append, it must come before
 * the transaction's first write; reads before it are fine but may be stale.
 *
 * @example
 * await db.transaction().execute(async (tx) => {
 *   await lockStream(tx, 'feed:user:ana');
 *   const [last] = await readStream(tx, 'feed:user:ana', { direction: 'backward', limit: 1 });
 *   // …decide on the latest state; no other append to the stream can come in between…
 *   await appendToStream(tx, 'feed:user:ana', [event], {
 *     expectedVersion: last?.streamVersion ?? 'no_stream',
 *   });
 * });
 */
export async function lockStream(tx: QueryExecutorProvider, streamId: string): Promise<void> {
  await lockStreams(tx, [streamId]);
}

/**
 * Serializes appends to each stream before the transaction gets its id.
 *
 * Readers deliver events in transaction-id order, and a transaction id is handed out at
 * a transaction's first write. Were the stream row's lock the first thing taken, a waiting
 * append could hold a lower transaction id than the append it waits for, and its later
 * stream version would be delivered first. Advisory locks need no transaction id, so the
 * id is assigned only once every lock is held: stream order and delivery order agree.
 * That is also why the append must be the transaction's first write. Locks are taken in
 * one order (by hash) so two multi-stream appends cannot deadlock.
 */
async function lockStreams(tx: QueryExecutorProvider, streamIds: readonly string[]): Promise<void> {
  // One round trip: taking advisory locks assigns no transaction id, so the id check reads
  // the same whichever the statement evaluates first (and a failed check rolls the locks
  // back with the caller's transaction).
  const result = await sql<{ xid: string | null }>`
    SELECT pg_current_xact_id_if_assigned()::text AS xid, (
      SELECT count(pg_advisory_xact_lock(h)) FROM (
        SELECT DISTINCT hashtextextended('tideline-stream:' || s, 0) AS h
        FROM unnest(${streamIds}::text[]) AS s ORDER BY 1
      ) AS ordered
    ) AS locked`.execute(tx);
  if (result.rows[0]?.xid) {
    throw new Error('appending must be the first write of its transaction');
  }
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

interface StoredRow {
  event_id: string;
  stream_id: string;
  stream_version: number;
  position: number;
  transaction_id: string;
}

async function findStoredEvents(
  tx: QueryExecutorProvider,
  ids: readonly string[],
): Promise<Map<string, StoredRow>> {
  const found = await sql<StoredRow>`
    SELECT event_id, stream_id, stream_version, position, transaction_id::text AS transaction_id
    FROM events WHERE event_id = ANY(${ids}::uuid[])`.execute(tx);
  return new Map(found.rows.map((row) => [row.event_id.toLowerCase(), row]));
}

/** The earlier result when every id was appended before, in this stream and this order. */
function retriedResult(
  append: PreparedAppend,
  stored: ReadonlyMap<string, StoredRow>,
): AppendResult | undefined {
  const rows = append.ids.map((id) => stored.get(id.toLowerCase()));
  const found = rows.filter((row) => row !== undefined);
  if (found.length === 0) return undefined;
  const first = rows[0];
  const isSameAppend =
    first !== undefined &&
    rows.every(
      (row, index) =>
        row !== undefined &&
        row.stream_id === append.streamId &&
        row.stream_version === first.stream_version + index,
    );
  const last = rows[rows.length - 1];
  if (!isSameAppend || !last) {
    throw new IdempotencyConflictError(
      append.streamId,
      `${found.length} of ${rows.length} event ids were appended before, not as this same append`,
    );
  }
  return { streamVersion: last.stream_version, position: positionOfRow(last), duplicate: true };
}
