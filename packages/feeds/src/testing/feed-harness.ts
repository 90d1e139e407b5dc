import { randomBytes } from 'node:crypto';
import { type Consumer, createConsumer, hasCaughtUp } from '@tideline/event-store';
import { createTestDatabase, type TestDatabase, waitFor } from '@tideline/event-store/testing';
import { createFanoutQueue, createFanoutWorker } from '@tideline/fanout';
import { testRedisUrl } from '@tideline/fanout/testing';
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { defaultFeedsConfig, type FeedsConfig } from '../config.js';
import { feedMigrations } from '../migrations/index.js';
import { feedProjector } from '../project/feed-projector.js';
import type { StaleRedisReport } from '../project/stale-redis.js';
import { type RedisFreshnessWatch, watchRedisFreshness } from '../project/watch-redis-freshness.js';
import {
  createTimelineReader,
  type FeedPage,
  type ReadFeedOptions,
  type TimelineReader,
} from '../read/timeline-reader.js';

export interface FeedHarness {
  testDb: TestDatabase<unknown>;
  redis: Redis;
  config: FeedsConfig;
  reader: TimelineReader;
  queue: ReturnType<typeof createFanoutQueue>;
  /** Every time the projector or the freshness watch found Redis older than the log. */
  staleReports: StaleRedisReport[];
  /** Starts the projector consumer, the Redis freshness watch and `workers` fan-out workers. */
  start(workers?: number): void;
  stopWorkers(): Promise<void>;
  startWorkers(count?: number): void;
  /** Waits until the projector has processed the whole log and the queue is empty. */
  quiesce(timeoutMs?: number): Promise<void>;
  /** Every page of a feed, following `next` until it is null. */
  readAllPages(feed: string, options?: Omit<ReadFeedOptions, 'cursor'>): Promise<FeedPage[]>;
  /** The ids of a whole feed, newest first, read page by page. */
  readAllIds(feed: string, options?: Omit<ReadFeedOptions, 'cursor'>): Promise<string[]>;
  /** Deletes every Redis key of this harness except the fan-out queue's (a cold Redis). */
  dropTimelineKeys(): Promise<number>;
  destroy(): Promise<void>;
}

/** Waits until the feed projector has processed the whole log and the fan-out queue is empty. */
export async function waitForQuiet(
  db: Kysely<unknown>,
  queue: { depth(): Promise<number> },
  timeoutMs = 30_000,
): Promise<void> {
  await waitFor(async () => (await hasCaughtUp(db, 'feeds')) && (await queue.depth()) === 0, {
    timeoutMs,
    intervalMs: 20,
    message: 'the projector and the fan-out queue to go quiet',
  });
}

/**
 * A real feed stack for one test file: its own database and Redis key prefix, the feed
 * projector as an event-store consumer, and BullMQ fan-out workers.
 *
 * @example
 * const h = await createFeedHarness('timeline', { fanoutThreshold: 3 }); // Redis: REDIS_URL
 * h.start();
 */
export async function createFeedHarness(
  label: string,
  overrides: Partial<FeedsConfig> = {},
  options: { redisUrl?: string } = {},
): Promise<FeedHarness> {
  const redisUrl = options.redisUrl ?? testRedisUrl;
  const testDb = await createTestDatabase(label, { migrations: feedMigrations });
  const config: FeedsConfig = {
    ...defaultFeedsConfig,
    redisPrefix: `tl-test:${label}:${randomBytes(4).toString('hex')}:`,
    ...overrides,
  };
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const bullConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  // Tests that restart Redis expect connection errors; commands still fail loudly.
  redis.on('error', () => {});
  bullConnection.on('error', () => {});
  const staleReports: StaleRedisReport[] = [];
  const onStale = (report: StaleRedisReport) => void staleReports.push(report);
  const queue = createFanoutQueue({ connection: bullConnection, config });
  const reader = createTimelineReader({ db: testDb.db, redis, config });
  let consumer: Consumer | undefined;
  let watch: RedisFreshnessWatch | undefined;
  let workers: Worker[] = [];

  const harness: FeedHarness = {
    testDb,
    redis,
    config,
    reader,
    queue,
    staleReports,
    start(count = 1) {
      consumer = createConsumer({
        db: testDb.db,
        connectionString: testDb.url,
        projection: feedProjector({ redis, queue, config, onStaleRedis: onStale }),
        batchSize: 200,
      });
      consumer.start();
      watch = watchRedisFreshness({ db: testDb.db, redis, config, onStale });
      harness.startWorkers(count);
    },
    startWorkers(count = 1) {
      for (let i = 0; i < count; i += 1) {
        workers.push(
          createFanoutWorker({ connection: bullConnection, redis, config, concurrency: 4 }),
        );
      }
    },
    async stopWorkers() {
      await Promise.all(workers.map((worker) => worker.close()));
      workers = [];
    },
    quiesce: (timeoutMs = 30_000) => waitForQuiet(testDb.db, queue, timeoutMs),
    async readAllPages(feed, options = {}) {
      const pages: FeedPage[] = [];
      let cursor: string | null = null;
      do {
        const page: FeedPage = await reader.readFeed(feed, { ...options, cursor });
        pages.push(page);
        cursor = page.next;
        if (pages.length > 10_000) throw new Error(`${feed}: more than 10,000 pages`);
      } while (cursor);
      return pages;
    },
    async readAllIds(feed, options = {}) {
      const pages = await harness.readAllPages(feed, options);
      return pages.flatMap((page) => page.results.map((activity) => activity.id));
    },
    async dropTimelineKeys() {
      const keys = await redis.keys(`${config.redisPrefix}*`);
      const timelineKeys = keys.filter((key) => !key.startsWith(`${config.redisPrefix}{fanout}`));
      if (timelineKeys.length > 0) await redis.del(...timelineKeys);
      return timelineKeys.length;
    },
    async destroy() {
      await watch?.stop();
      await consumer?.stop();
      await harness.stopWorkers();
      await queue.close();
      const keys = await redis.keys(`${config.redisPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      bullConnection.disconnect();
      await testDb.destroy();
    },
  };
  return harness;
}
