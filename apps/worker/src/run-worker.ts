import { once } from 'node:events';
import { type Consumer, createConsumer, type Projection } from '@tideline/event-store';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';

export interface WorkerDependencies<DB> {
  db: Kysely<DB>;
  /** For each consumer's own connection (LISTEN and its lease renewals). */
  connectionString: string;
  /** Leadership lease of each consumer (`PROJECTOR_LEASE_SECONDS`); default 5 s. */
  leaseTtlMs?: number;
  /** The read models this worker keeps; each runs as one event-store consumer. */
  projections: readonly Projection<DB>[];
  logger: Logger;
  /** Aborted on shutdown; the consumers stop after their current batch. */
  signal: AbortSignal;
}

/**
 * Runs one consumer per projection until `signal` aborts. Any number of workers may run
 * this: per projection, the one holding its lease is active and the others stand by,
 * taking over within about a lease if it stops, dies or stalls.
 *
 * @example
 * await runWorker({ db, connectionString, projections: [feedProjector], logger, signal });
 */
export async function runWorker<DB>(deps: WorkerDependencies<DB>): Promise<void> {
  const { logger, signal } = deps;
  const consumers: Consumer[] = deps.projections.map((projection) =>
    createConsumer({
      db: deps.db,
      connectionString: deps.connectionString,
      projection,
      ...(deps.leaseTtlMs ? { leaseTtlMs: deps.leaseTtlMs } : {}),
      onFailure: ({ event, attempt, error, parked }) =>
        logger.warn(
          { err: error, consumer: projection.name, eventId: event.eventId, attempt, parked },
          parked ? 'event parked in dead letters' : 'event failed, retrying',
        ),
      onError: (error) => logger.warn({ err: error, consumer: projection.name }, 'consumer error'),
    }),
  );
  if (!signal.aborted) {
    for (const consumer of consumers) consumer.start();
    logger.info({ consumers: consumers.map((c) => c.name) }, 'worker ready');
    await once(signal, 'abort');
  }
  await Promise.all(consumers.map((consumer) => consumer.stop()));
}
