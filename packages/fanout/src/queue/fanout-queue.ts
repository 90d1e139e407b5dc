import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FanoutConfig } from '../config.js';
import type { FanoutJob, FanoutQueue } from './jobs.js';
import { processFanoutJob } from './process-fanout-job.js';

const QUEUE_NAME = 'fanout';

/** BullMQ keys share one hash tag, so the whole queue sits in one Redis Cluster slot. */
function queuePrefix(config: FanoutConfig): string {
  return `${config.redisPrefix}{fanout}`;
}

/**
 * The fan-out queue on BullMQ. Failed jobs retry with exponential backoff; a job that
 * runs twice (a projector batch replayed after a crash) changes nothing the second time.
 *
 * @example
 * const queue = createFanoutQueue({ connection: redis, config });
 * await queue.enqueue(jobs);
 */
export function createFanoutQueue({
  connection,
  config,
}: {
  connection: Redis;
  config: FanoutConfig;
}) {
  const queue = new Queue(QUEUE_NAME, { connection, prefix: queuePrefix(config) });
  const api: FanoutQueue & { depth(): Promise<number>; close(): Promise<void> } = {
    async enqueue(jobs: readonly FanoutJob[]) {
      if (jobs.length === 0) return;
      await queue.addBulk(
        jobs.map((job) => ({
          name: job.kind,
          data: job,
          opts: {
            attempts: 20,
            backoff: { type: 'exponential', delay: 100 },
            removeOnComplete: { age: 3600, count: 10_000 },
            removeOnFail: { age: 7 * 24 * 3600 },
          },
        })),
      );
    },
    /** Jobs waiting, delayed or running: the fan-out backlog, for metrics. */
    async depth() {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(counts).reduce((sum, n) => sum + n, 0);
    },
    close: () => queue.close(),
  };
  return api;
}

/**
 * Drains the fan-out queue. Run any number of these, in any processes.
 *
 * @example
 * const worker = createFanoutWorker({ connection, redis, config, concurrency: 8 });
 * await worker.close();
 */
export function createFanoutWorker({
  connection,
  redis,
  config,
  concurrency = 8,
  stalledIntervalMs,
}: {
  /** BullMQ's own connection; it needs `maxRetriesPerRequest: null`. */
  connection: Redis;
  /** Where timelines live (usually the same server). */
  redis: Redis;
  config: FanoutConfig;
  concurrency?: number;
  /** How soon jobs of a worker that died are taken over (BullMQ default 30 s). */
  stalledIntervalMs?: number;
}): Worker<FanoutJob, number> {
  return new Worker<FanoutJob, number>(
    QUEUE_NAME,
    (job) => processFanoutJob(redis, config, job.data),
    {
      connection,
      prefix: queuePrefix(config),
      concurrency,
      ...(stalledIntervalMs === undefined
        ? {}
        : { stalledInterval: stalledIntervalMs, lockDuration: stalledIntervalMs * 2 }),
    },
  );
}
