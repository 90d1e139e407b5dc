import { randomBytes } from 'node:crypto';
import { readCheckpoint } from '@tideline/event-store';
import { createTestDatabase, type TestDatabase } from '@tideline/event-store/testing';
import { testRedisUrl } from '@tideline/fanout/testing';
import { contentPage, defaultFeedsConfig, feedMigrations } from '@tideline/feeds';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../connections.js';
import type { Target } from '../env.js';
import { memoryOutput } from '../output.js';
import { rebuild } from './rebuild.js';
import { seedSocialGraph } from './sample-source.js';

let testDb: TestDatabase<unknown>;
let redis: Redis;
let target: Target;
const prefix = `tl-test:cli-rebuild:${randomBytes(4).toString('hex')}:`;

beforeAll(async () => {
  testDb = await createTestDatabase('cli_rebuild', { migrations: feedMigrations });
  redis = new Redis(testRedisUrl);
  target = {
    databaseUrl: testDb.url,
    redisUrl: testRedisUrl,
    config: { ...defaultFeedsConfig, redisPrefix: prefix },
  };
  const db = connectDatabase(testDb.url);
  try {
    await seedSocialGraph(db, { users: 6, prefix: 'r', perUser: 3 }, memoryOutput());
  } finally {
    await db.destroy();
  }
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await testDb.destroy();
});

/** timeline:r-1 as PostgreSQL serves it: the read model a rebuild must restore. */
async function readTimeline() {
  return contentPage(testDb.db, 'timeline:r-1', 50, undefined, defaultFeedsConfig.fanoutThreshold);
}

describe('feed rebuild', () => {
  it('restores the feed read models from the log and drops the Redis feed keys', async () => {
    // Given a projected read model
    const first = await rebuild(target, 'feeds', memoryOutput());
    expect(first.events).toBe(6 * 3 + 6 * 3);
    const before = await readTimeline();
    expect(before).toHaveLength(9); // three followed users, three activities each

    // When it is damaged, and a stale timeline sits in Redis
    await sql`DELETE FROM feed_entries`.execute(testDb.db);
    await sql`DELETE FROM follows`.execute(testDb.db);
    expect(await readTimeline()).toEqual([]);
    await redis.set(`${prefix}stale-timeline`, 'x');
    await redis.set(`${prefix}{fanout}:queue-state`, 'kept');
    const output = memoryOutput();
    const second = await rebuild(target, 'feeds', output);

    // Then the same feed reads back, and Redis keeps only the queue's keys
    expect(await readTimeline()).toEqual(before);
    expect(second.droppedKeys).toBeGreaterThanOrEqual(1);
    expect(await redis.exists(`${prefix}stale-timeline`)).toBe(0);
    expect(await redis.get(`${prefix}{fanout}:queue-state`)).toBe('kept');
    expect(output.lines.at(-1)).toMatch(
      /^rebuild: replayed 36 events into feeds; dropped \d+ Redis/,
    );
    expect(await readCheckpoint(testDb.db, 'feeds')).toBeDefined();
  });

  it('refuses, changing nothing, while a worker holds the consumer lease', async () => {
    await sql`
      INSERT INTO consumer_leases (name, owner, token, expires_at)
      VALUES ('feeds', 'worker-1', 1, clock_timestamp() + interval '1 minute')
      ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at`.execute(
      testDb.db,
    );
    try {
      const before = await readTimeline();
      await expect(rebuild(target, 'feeds', memoryOutput())).rejects.toThrow(
        /a worker is running the feeds consumer \(worker-1 holds its lease\); stop every worker/,
      );
      expect(await readTimeline()).toEqual(before);
    } finally {
      await sql`UPDATE consumer_leases SET expires_at = clock_timestamp() WHERE name = 'feeds'`.execute(
        testDb.db,
      );
    }
  });

  it('rejects a consumer it does not know', async () => {
    await expect(rebuild(target, 'nope', memoryOutput())).rejects.toThrow(
      'unknown consumer nope; known: feeds',
    );
  });
});
