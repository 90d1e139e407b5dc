import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createConsumer, readAll, type StoredEvent } from '@tideline/event-store';
import {
  createTestDatabase,
  projectAll,
  type TestDatabase,
  waitFor,
} from '@tideline/event-store/testing';
import { createFanoutQueue, dropFeedKeys } from '@tideline/fanout';
import { startRedisServer, type TestRedisServer } from '@tideline/fanout/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFeedsConfig, type FeedsConfig } from './config.js';
import { feedMigrations } from './migrations/index.js';
import { feedProjector } from './project/feed-projector.js';
import { refreshAuthorEntries } from './project/refresh-author-entries.js';
import { createAggregatedReader, type GroupPage } from './read/aggregated-reader.js';
import { createTimelineReader } from './read/timeline-reader.js';
import { waitForQuiet } from './testing/feed-harness.js';
import {
  type AggregatedModel,
  buildAggregatedModel,
  buildReferenceModel,
  createSeededRandom,
  describeOperations,
  expectedGroupsPage,
  feedMismatches,
  generateOperations,
  type ReferenceModel,
  runOperations,
} from './testing/index.js';

/**
 * docs/product.md §3 convergence: whatever the interleaving of follows, unfollows, adds, updates,
 * removals and threshold crossings — with worker processes SIGKILLed mid-job and Redis
 * flushed mid-run — every feed ends up equal to a pure function of the event log.
 */

const SEEDS = (process.env.CONVERGENCE_SEEDS ?? '1,2,3').split(',').map(Number);
const THRESHOLD = 3;

let testDb: TestDatabase<unknown>;
let redisServer: TestRedisServer;
let redis: Redis;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  redisServer = await startRedisServer();
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: 3 });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  redis.disconnect();
  await redisServer.stop();
});

function startWorker(config: FeedsConfig): ChildProcess {
  const script = fileURLToPath(new URL('./testing/feed-worker-child.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', script, testDb.url, redisServer.url, JSON.stringify(config)],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function killWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function activeJobs(config: FeedsConfig): Promise<number> {
  const keys = await redis.keys(`${config.redisPrefix}{fanout}:fanout:active`);
  return keys.length === 0 ? 0 : redis.llen(keys[0] ?? '');
}

async function quiesce(config: FeedsConfig) {
  const bull = new Redis(redisServer.url, { maxRetriesPerRequest: 3 });
  const queue = createFanoutQueue({ connection: bull, config });
  try {
    await waitForQuiet(testDb.db, queue, 90_000);
  } finally {
    await queue.close();
    bull.disconnect();
  }
}

async function logEvents(): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  let after = undefined as StoredEvent['position'] | undefined;
  for (;;) {
    const page = await readAll(testDb.db, { ...(after ? { after } : {}), limit: 5000 });
    if (page.events.length === 0) break;
    events.push(...page.events);
    after = page.next;
  }
  return events;
}

/** Aggregated and notification feeds, paged through the aggregated reader, against the aggregated model. */
async function compareGroups(config: FeedsConfig, model: AggregatedModel): Promise<string[]> {
  const reader = createAggregatedReader({ db: testDb.db, config });
  const mismatches: string[] = [];
  for (const feed of model.feeds.keys()) {
    const seen: unknown[] = [];
    let cursor: string | null = null;
    let counts: unknown;
    do {
      const page: GroupPage = await reader.readGroups(feed, { limit: 3, cursor });
      for (const group of page.results) {
        seen.push({ ...group, activities: group.activities.map((a) => a.id) });
      }
      counts = { unseen: page.unseen, unread: page.unread };
      cursor = page.next;
    } while (cursor);
    const all = expectedGroupsPage(model, feed, { limit: 1_000_000 });
    const expected = all.groups.map((group) => ({ ...group }));
    if (JSON.stringify(seen) !== JSON.stringify(expected)) {
      mismatches.push(
        `groups of ${feed}:\n  got      ${JSON.stringify(seen)}\n  expected ${JSON.stringify(expected)}`,
      );
    }
    const expectedCounts = { unseen: all.unseen, unread: all.unread };
    if (JSON.stringify(counts) !== JSON.stringify(expectedCounts)) {
      mismatches.push(
        `counts of ${feed}: got ${JSON.stringify(counts)}, expected ${JSON.stringify(expectedCounts)}`,
      );
    }
  }
  return mismatches;
}

async function compareAll(config: FeedsConfig, model: ReferenceModel, label: string) {
  // Both Redis read paths: one script call per page (standalone Redis) and the round trips
  // a Redis Cluster takes.
  const mismatches: string[] = [];
  for (const pageScript of [true, false]) {
    const reader = createTimelineReader({ db: testDb.db, redis, config, pageScript });
    mismatches.push(
      ...(await feedMismatches({
        db: testDb.db,
        redis,
        reader,
        config,
        model,
        label: `${label}/pageScript=${pageScript}`,
      })),
    );
  }
  return mismatches;
}

describe('convergence of every feed to the reference model', () => {
  for (const seed of SEEDS) {
    it(`converges for seed ${seed}`, async () => {
      testDb = await createTestDatabase(`convergence_${seed}`, { migrations: feedMigrations });
      const config: FeedsConfig = {
        ...defaultFeedsConfig,
        fanoutThreshold: THRESHOLD,
        timelineMax: 12,
        fanoutBatchSize: 2,
        redisPrefix: `conv:${randomBytes(3).toString('hex')}:`,
      };
      const operations = generateOperations({
        seed,
        count: 160,
        users: 6,
        thresholdCrossings: { author: 'user:u0', threshold: THRESHOLD },
        startTime: Date.now() - 3_600_000,
      });
      const random = createSeededRandom(seed);
      let workers = [startWorker(config), startWorker(config)];
      // Some followers read early, so their timelines are live and get write fan-out.
      const warm = createTimelineReader({ db: testDb.db, redis, config });
      const read = (feed: string) => warm.readFeed(feed, { limit: 5 });
      for (let n = 0; n < 6; n += 2) await read(`timeline:u${n}`);
      const hooks = [
        ...[40, 90, 130].map((at) => ({
          at,
          run: async () => {
            // Prefer a moment when fan-out jobs are running, so the kill lands mid-job.
            await waitFor(async () => (await activeJobs(config)) > 0, {
              timeoutMs: 2000,
              intervalMs: 2,
            }).catch(() => undefined);
            const victim = workers[random.int(0, workers.length - 1)];
            if (victim) await killWorker(victim);
            workers = [...workers.filter((w) => w !== victim), startWorker(config)];
          },
        })),
        { at: 80, run: async () => void (await redis.flushdb()) },
        // The view, refreshed while the projector runs, lags what follows; regenerations
        // and PostgreSQL reads go through it from here on, and again after the rebuild.
        ...[
          { at: 30, depth: 3, minFollowers: 0 },
          { at: 110, depth: 2, minFollowers: THRESHOLD },
        ].map(({ at, depth, minFollowers }) => ({
          at,
          run: async () =>
            void (await refreshAuthorEntries(testDb.db, { depth, minFollowers, intervalMs: 0 })),
        })),
      ];
      try {
        await runOperations(testDb.db, operations, { seed, hooks, read });
        await quiesce(config);
        const events = await logEvents();
        const model = buildReferenceModel(events);
        const live = await compareAll(config, model, 'live');
        const groups = await compareGroups(config, buildAggregatedModel(events));
        expect(groups, `seed ${seed} (aggregated)`).toEqual([]);
        expect(live, `seed ${seed}\n${describeOperations(operations)}`).toEqual([]);

        // Rebuild: drop the feed keys and the PostgreSQL read models, replay the log in
        // replay mode (PostgreSQL only), then let a worker take over; feeds regenerate.
        await Promise.all(workers.map(killWorker));
        await dropFeedKeys(redis, config);
        const replayer = feedProjector({
          redis,
          queue: { enqueue: async () => {} },
          config,
          replay: true,
        });
        await createConsumer({
          db: testDb.db,
          connectionString: testDb.url,
          projection: replayer,
        }).rebuild();
        await projectAll(testDb.db, replayer);
        workers = [startWorker(config)];
        await quiesce(config);
        const rebuilt = await compareAll(config, model, 'rebuilt');
        expect(rebuilt, `seed ${seed} after rebuild`).toEqual([]);
        const regrouped = await compareGroups(config, buildAggregatedModel(events));
        expect(regrouped, `seed ${seed} (aggregated, after rebuild)`).toEqual([]);
      } finally {
        await Promise.all(workers.map(killWorker));
        await testDb.destroy();
      }
    }, 240_000);
  }
});
