import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import pg from 'pg';
import {
  countEventsAfter,
  lockCheckpoint,
  readCheckpoint,
  type StartFrom,
  saveCheckpoint,
} from './checkpoints.js';
import { LeaseLostError, type LeaseState, readLease } from './consumer-lease.js';
import { type LeaseHolder, takeLease } from './lease-holder.js';
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
  /** For the consumer's own connection, which LISTENs and takes and renews the lease. */
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
  /**
   * How long leadership lasts without a renewal (the leader renews every third of it).
   * A leader that stalls or is cut off is replaced within about this plus `standbyPollMs`.
   * Also bounds how long a batch transaction may sit idle. Default 5 s.
   */
  leaseTtlMs?: number;
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
  /** Which instance leads (owner `host:pid:random`), as the database sees it. */
  lease: LeaseState | undefined;
}

export interface Consumer {
  readonly name: string;
  /** Starts the loop in the background; it runs until `stop`. */
  start(): void;
  stop(): Promise<void>;
  /** True while this instance holds the consumer's lease and processes events. */
  isActive(): boolean;
  status(): Promise<ConsumerStatus>;
  /** Empties the read model and its checkpoint in one transaction; the log is replayed. */
  rebuild(): Promise<void>;
}

/**
 * Runs a projection over the log: gap-safe, in order, checkpointed with its writes.
 * Only one instance per name is active: the one holding its lease (consumer_leases), which
 * it renews every third of `leaseTtlMs`. Others stand by and take over once the lease
 * expires, whether its holder stopped, died, stalled or lost its network; every batch
 * commits only while the lease still carries the token its instance took it with, so a
 * stale leader cannot write. It wakes on LISTEN/NOTIFY.
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
  const leaseTtlMs = options.leaseTtlMs ?? 5000;
  const owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const wakeup = createWakeup();
  let stopped = false;
  let lease: LeaseHolder | undefined;
  let loop: Promise<void> | undefined;

  async function runWhileLeading(client: pg.Client, held: LeaseHolder): Promise<void> {
    const fenced: BatchOptions = { ...batch, fence: held.fence };
    let withheldDelay = 5;
    while (!stopped && !connectionLost(client) && held.held()) {
      const moved = await processBatch(db, projection, fenced);
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
        const held = await takeLease(client, {
          name: projection.name,
          owner,
          ttlMs: leaseTtlMs,
          onLost: () => wakeup.notify(),
          ...(options.onError ? { onError: options.onError } : {}),
        });
        if (!held) {
          await wakeup.wait(standbyPollMs);
          continue;
        }
        lease = held;
        try {
          await runWhileLeading(client, held);
        } catch (error) {
          // A refused batch: another instance leads now (or may). Stand by; anything else
          // goes to the retry loop below, which reconnects.
          if (!(error instanceof LeaseLostError)) throw error;
          options.onError?.(error);
        } finally {
          lease = undefined;
          await held.close();
        }
      }
    } finally {
      lease = undefined;
      lost.delete(client);
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
    isActive: () => lease?.held() ?? false,
    async status() {
      const checkpoint = await readCheckpoint(db, projection.name);
      return {
        name: projection.name,
        active: lease?.held() ?? false,
        checkpoint,
        lag: await countEventsAfter(db, checkpoint ?? START),
        lease: await readLease(db, projection.name),
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
