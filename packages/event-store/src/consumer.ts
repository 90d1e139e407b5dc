import type { Kysely } from 'kysely';
import pg from 'pg';
import {
  countEventsAfter,
  lockCheckpoint,
  readCheckpoint,
  type StartFrom,
  saveCheckpoint,
} from './checkpoints.js';
import { type Position, START } from './position.js';
import {
  type BatchOptions,
  defaultRetryPolicy,
  processBatch,
  type RetryPolicy,
} from './process-batch.js';
import type { Projection } from './projection.js';
import { hasEventsAfter } from './read-all.js';
import { createWakeup } from './wakeup.js';

export interface ConsumerOptions<DB> {
  db: Kysely<DB>;
  /** For the consumer's own connection, which LISTENs and holds the advisory lock. */
  connectionString: string;
  projection: Projection<DB>;
  /** Default 500 events per transaction. */
  batchSize?: number;
  /** Where to begin when the consumer has no checkpoint yet. Default `beginning`. */
  startFrom?: StartFrom;
  retry?: Partial<RetryPolicy>;
  /** A safety-net poll while idle, in case a notification was lost. Default 10 s. */
  idlePollMs?: number;
  /** How often a standby instance tries to take over. Default 1 s. */
  standbyPollMs?: number;
  onFailure?: BatchOptions['onFailure'];
  /** Called with errors the loop recovers from (connection loss, outage). */
  onError?: (error: unknown) => void;
}

export interface ConsumerStatus {
  name: string;
  active: boolean;
  checkpoint: Position | undefined;
  /** Events in the log after the checkpoint (capped at one million). */
  lag: number;
}

export interface Consumer {
  readonly name: string;
  /** Starts the loop in the background; it runs until `stop`. */
  start(): void;
  stop(): Promise<void>;
  /** True while this instance holds the consumer's lock and processes events. */
  isActive(): boolean;
  status(): Promise<ConsumerStatus>;
  /** Empties the read model and its checkpoint in one transaction; the log is replayed. */
  rebuild(): Promise<void>;
}

/**
 * Runs a projection over the log: gap-safe, in order, checkpointed with its writes.
 * Only one instance per name is active (a session advisory lock on its own connection);
 * others stand by and take over when it goes away. It wakes on LISTEN/NOTIFY.
 *
 * @example
 * const consumer = createConsumer({ db, connectionString, projection: followGraph });
 * consumer.start();
 * // …
 * await consumer.stop();
 */
export function createConsumer<DB>(options: ConsumerOptions<DB>): Consumer {
  const { db, projection } = options;
  const batch: BatchOptions = {
    batchSize: options.batchSize ?? 500,
    startFrom: options.startFrom ?? 'beginning',
    retry: { ...defaultRetryPolicy, ...options.retry },
    ...(options.onFailure ? { onFailure: options.onFailure } : {}),
  };
  const idlePollMs = options.idlePollMs ?? 10_000;
  const standbyPollMs = options.standbyPollMs ?? 1000;
  const wakeup = createWakeup();
  let stopped = false;
  let active = false;
  let loop: Promise<void> | undefined;

  async function runWhileLocked(client: pg.Client): Promise<void> {
    let withheldDelay = 5;
    while (!stopped && !connectionLost(client)) {
      const moved = await processBatch(db, projection, batch);
      if (moved > 0) {
        withheldDelay = 5;
        continue;
      }
      const checkpoint = (await readCheckpoint(db, projection.name)) ?? START;
      if (await hasEventsAfter(db, checkpoint)) {
        // Committed events the batch did not take were held back by an older transaction
        // that was still running. It may end without a notification (a rollback, or a
        // transaction that wrote no events), so look again soon rather than sleep.
        await wakeup.wait(withheldDelay);
        withheldDelay = Math.min(withheldDelay * 2, 500);
      } else {
        await wakeup.wait(idlePollMs);
      }
    }
  }

  async function runOnce(): Promise<void> {
    const client = new pg.Client({
      connectionString: options.connectionString,
      application_name: `tideline-consumer:${projection.name}`,
    });
    client.on('error', (error) => {
      lost.add(client);
      options.onError?.(error);
      wakeup.notify();
    });
    client.on('notification', () => wakeup.notify());
    try {
      await client.connect();
      await client.query('LISTEN tideline_events');
      while (!stopped && !connectionLost(client)) {
        const locked = await client.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked',
          [`tideline-consumer:${projection.name}`],
        );
        if (locked.rows[0]?.locked) {
          active = true;
          try {
            await runWhileLocked(client);
          } finally {
            active = false;
          }
        } else {
          await wakeup.wait(standbyPollMs);
        }
      }
    } finally {
      active = false;
      lost.delete(client);
      // Closing the session releases the advisory lock.
      await client.end().catch(() => {});
    }
  }

  const lost = new WeakSet<pg.Client>();
  function connectionLost(client: pg.Client): boolean {
    return lost.has(client);
  }

  async function run(): Promise<void> {
    let backoff = 100;
    while (!stopped) {
      try {
        await runOnce();
        backoff = 100;
      } catch (error) {
        options.onError?.(error);
        if (stopped) break;
        await wakeup.wait(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  return {
    name: projection.name,
    start() {
      if (loop) return;
      stopped = false;
      loop = run();
    },
    async stop() {
      stopped = true;
      wakeup.notify();
      await loop;
      loop = undefined;
    },
    isActive: () => active,
    async status() {
      const checkpoint = await readCheckpoint(db, projection.name);
      return {
        name: projection.name,
        active,
        checkpoint,
        lag: await countEventsAfter(db, checkpoint ?? START),
      };
    },
    async rebuild() {
      await db.transaction().execute(async (tx) => {
        await lockCheckpoint(tx, projection.name, batch.startFrom);
        await projection.reset?.({ tx });
        await saveCheckpoint(tx, projection.name, START);
      });
      wakeup.notify();
    },
  };
}
