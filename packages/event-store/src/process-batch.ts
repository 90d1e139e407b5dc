import { type Kysely, type QueryExecutorProvider, sql, type Transaction } from 'kysely';
import { lockCheckpoint, type StartFrom, saveCheckpoint } from './checkpoints.js';
import { positionParts } from './position.js';
import {
  type EventShape,
  handledEvents,
  type Projection,
  type ProjectionContext,
} from './projection.js';
import { readAll } from './read-all.js';
import type { StoredEvent } from './stored-event.js';
import { isTransientError } from './transient-error.js';

export interface RetryPolicy {
  /** Attempts per event before it is parked in `dead_letters`. Default 5. */
  attempts: number;
  /** First backoff delay; doubles each attempt up to `maxDelayMs`. Default 50 ms. */
  initialDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  attempts: 5,
  initialDelayMs: 50,
  maxDelayMs: 2000,
};

/**
 * Leadership checks a consumer makes in each of its transactions (see lease-holder.ts).
 * Without one, as in tests and benchmarks that call processBatch directly, nothing is
 * checked.
 */
export interface BatchFence {
  /** First in every transaction: throws LeaseLostError if the lease is no longer ours. */
  enter(tx: QueryExecutorProvider): Promise<void>;
  /** Last before every commit that moves the checkpoint: refuses (throws) a stale leader. */
  confirm(tx: QueryExecutorProvider): Promise<void>;
  /** Before side effects outside PostgreSQL, which no rollback can undo. */
  check(): void;
}

export interface BatchOptions {
  batchSize: number;
  startFrom: StartFrom;
  retry: RetryPolicy;
  /** Told about every failed attempt and every parked event. */
  onFailure?: (failure: {
    event: StoredEvent;
    attempt: number;
    error: unknown;
    parked: boolean;
  }) => void;
  /** The consumer's lease checks; a stale leader's transactions roll back. */
  fence?: BatchFence;
}

/**
 * Processes the next batch of events for a projection, in one transaction with its
 * checkpoint. Returns how many events of the log it moved past (0 = caught up).
 *
 * When the batch fails, it is retried one event at a time, each with backoff; an event
 * that still fails is parked in `dead_letters` with its error and the consumer moves on.
 * Transient errors (a dependency down) are thrown instead: the caller waits and retries
 * the batch, so an outage never parks events.
 */
export async function processBatch<DB, E extends EventShape>(
  db: Kysely<DB>,
  projection: Projection<DB, E>,
  options: BatchOptions,
): Promise<number> {
  try {
    return await db.transaction().execute(async (tx) => {
      await options.fence?.enter(tx);
      const checkpoint = await lockCheckpoint(tx, projection.name, options.startFrom);
      const { events, next } = await readAll(tx, { after: checkpoint, limit: options.batchSize });
      if (events.length === 0) return 0;
      const handled = handledEvents(projection, events);
      if (handled.length > 0) await projection.apply(handled, contextOf(tx, options));
      await saveCheckpoint(tx, projection.name, next);
      await options.fence?.confirm(tx);
      return events.length;
    });
  } catch (error) {
    if (isTransientError(error)) throw error;
    return processOneByOne(db, projection, options);
  }
}

/** The slow path after a failed batch: isolate the failing event. */
async function processOneByOne<DB, E extends EventShape>(
  db: Kysely<DB>,
  projection: Projection<DB, E>,
  options: BatchOptions,
): Promise<number> {
  const batch = await db.transaction().execute(async (tx) => {
    await options.fence?.enter(tx);
    const checkpoint = await lockCheckpoint(tx, projection.name, options.startFrom);
    return readAll(tx, { after: checkpoint, limit: options.batchSize });
  });
  for (const event of batch.events) {
    await processWithRetries(db, projection, event, options);
  }
  return batch.events.length;
}

async function processWithRetries<DB, E extends EventShape>(
  db: Kysely<DB>,
  projection: Projection<DB, E>,
  event: StoredEvent,
  options: BatchOptions,
): Promise<void> {
  const { attempts, initialDelayMs, maxDelayMs } = options.retry;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    try {
      await db.transaction().execute(async (tx) => {
        await options.fence?.enter(tx);
        const checkpoint = await lockCheckpoint(tx, projection.name, options.startFrom);
        if (checkpoint >= event.position) return; // another instance got here first
        const handled = handledEvents(projection, [event]);
        if (handled.length > 0) await projection.apply(handled, contextOf(tx, options));
        await saveCheckpoint(tx, projection.name, event.position);
        await options.fence?.confirm(tx);
      });
      return;
    } catch (error) {
      if (isTransientError(error)) throw error;
      lastError = error;
      options.onFailure?.({ event, attempt, error, parked: false });
      if (attempt < attempts) {
        await delay(Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1)));
      }
    }
  }
  await park(db, projection.name, event, lastError, attempts, options);
  options.onFailure?.({ event, attempt: attempts, error: lastError, parked: true });
}

async function park<DB>(
  db: Kysely<DB>,
  name: string,
  event: StoredEvent,
  error: unknown,
  attempts: number,
  options: BatchOptions,
): Promise<void> {
  const parts = positionParts(event.position);
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  await db.transaction().execute(async (tx) => {
    await options.fence?.enter(tx);
    const checkpoint = await lockCheckpoint(tx, name, options.startFrom);
    if (checkpoint >= event.position) return;
    await sql`
      INSERT INTO dead_letters (consumer, position, transaction_id, event_id, type, error, attempts)
      VALUES (${name}, ${event.globalPosition}, ${parts.transactionId.toString()}::xid8,
              ${event.eventId}, ${event.type}, ${message}, ${attempts})
      ON CONFLICT (consumer, position) DO NOTHING`.execute(tx);
    await saveCheckpoint(tx, name, event.position);
    await options.fence?.confirm(tx);
  });
}

function contextOf<DB>(tx: Transaction<DB>, options: BatchOptions): ProjectionContext<DB> {
  const { fence } = options;
  return fence ? { tx, checkLease: () => fence.check() } : { tx };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
