import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAll, type StoredEvent } from '@tideline/event-store';
import { waitFor } from '@tideline/event-store/testing';
import { startRedisServer, type TestRedisServer } from '@tideline/fanout/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildReferenceModel,
  createFeedHarness,
  describeOperations,
  type FeedHarness,
  feedMismatches,
  generateOperations,
  runOperations,
} from '../testing/index.js';

/**
 * Issue 16, item 2: Redis comes back from a snapshot older than what the log says was
 * applied (RDB `save` points, then `SHUTDOWN NOSAVE` or a crash). Its feed keys — `live`
 * markers included — look complete but miss adds, show removed activities and old
 * bodies. The service must notice, without a restart, and regenerate from PostgreSQL.
 */

const SEED = Number(process.env.STALE_REDIS_SEED ?? 5);

let dir: string;
let redisServer: TestRedisServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tideline-stale-redis-'));
  redisServer = await startRedisServer({ dir, save: '3600 1' });
});
afterAll(async () => {
  await redisServer.stop();
  await rm(dir, { recursive: true, force: true });
});

async function logEvents(harness: FeedHarness): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  let after: StoredEvent['position'] | undefined;
  for (;;) {
    const page = await readAll(harness.testDb.db, { ...(after ? { after } : {}), limit: 5000 });
    if (page.events.length === 0) return events;
    events.push(...page.events);
    after = page.next;
  }
}

/** Stops the server the way the report did: no final save, so a restart loads the old dump. */
async function shutdownNosave(server: TestRedisServer): Promise<void> {
  const admin = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  admin.on('error', () => {});
  await admin.shutdown('NOSAVE').catch(() => undefined);
  admin.disconnect();
  await server.stop();
}

describe('a Redis restored from an older snapshot', () => {
  it('is detected and every feed converges to the log again, without a restart', async () => {
    const harness = await createFeedHarness(
      'stale_redis',
      { fanoutThreshold: 3, timelineMax: 12, fanoutBatchSize: 2 },
      { redisUrl: redisServer.url },
    );
    const operations = generateOperations({
      seed: SEED,
      count: 160,
      users: 6,
      thresholdCrossings: { author: 'user:u0', threshold: 3 },
      startTime: Date.now() - 3_600_000,
    });
    const read = (feed: string) => harness.reader.readFeed(feed, { limit: 5 });
    try {
      harness.start(2);
      let saved = false;
      const snapshot = {
        at: 80,
        async run() {
          await harness.quiesce();
          // Every feed read once, so each has keys (and a `live` marker) in the snapshot.
          const before = buildReferenceModel(await logEvents(harness));
          for (const feed of before.feeds.keys()) await harness.readAllIds(feed);
          await harness.redis.save();
          saved = true;
        },
      };
      // After the snapshot the state moves on: adds, removals, updates, follows.
      await runOperations(harness.testDb.db, operations, { seed: SEED, hooks: [snapshot], read });
      await harness.quiesce();
      expect(saved).toBe(true);
      // A fresh Redis is marked, never dropped; nothing else was found stale since.
      expect(harness.staleReports.filter((report) => report.droppedKeys > 0)).toEqual([]);
      await shutdownNosave(redisServer);
      redisServer = await startRedisServer({ port: redisServer.port, dir, save: '3600 1' });

      const model = buildReferenceModel(await logEvents(harness));
      let mismatches: string[] = [];
      await waitFor(
        async () => {
          mismatches = await feedMismatches({
            db: harness.testDb.db,
            redis: harness.redis,
            reader: harness.reader,
            config: harness.config,
            model,
            label: 'restored',
          });
          return mismatches.length === 0;
        },
        { timeoutMs: 20_000, intervalMs: 200, message: 'every feed to equal the log' },
      ).catch(() => undefined);
      expect(mismatches, `seed ${SEED}\n${describeOperations(operations)}`).toEqual([]);
      // Found once (by the watch or a batch, whichever took the lock first), by its old marker.
      const drops = harness.staleReports.filter((report) => report.droppedKeys > 0);
      expect(drops).toHaveLength(1);
      expect(drops[0]?.marker).toBeDefined();
      expect((drops[0]?.marker ?? '') < (drops[0]?.required ?? '')).toBe(true);
    } finally {
      await harness.destroy();
    }
  }, 120_000);
});
