import { createTestDatabase, type TestDatabase } from '@tideline/event-store/testing';
import { testRedisUrl } from '@tideline/fanout/testing';
import { feedMigrations } from '@tideline/feeds';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';

let testDb: TestDatabase<unknown>;

beforeAll(async () => {
  testDb = await createTestDatabase('cli_seed', { migrations: feedMigrations });
});

afterAll(() => testDb.destroy());

async function eventsByType(): Promise<Record<string, number>> {
  const { rows } = await sql<{ type: string; n: string }>`
    SELECT type, count(*) AS n FROM events GROUP BY type`.execute(testDb.db);
  return Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]));
}

describe('feed seed', () => {
  it('appends each user’s activities and follows through the commands, once', async () => {
    const env = { DATABASE_URL: testDb.url, REDIS_URL: testRedisUrl };
    const run = await runCli(['seed', '--users', '5'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('seed: 5 users, 15 new follows, 10 new activities');
    expect(await eventsByType()).toEqual({ ActivityAdded: 10, FeedFollowed: 15 });
    const { rows } = await sql<{ stream_id: string }>`
      SELECT DISTINCT stream_id FROM events WHERE type = 'ActivityAdded' ORDER BY 1`.execute(
      testDb.db,
    );
    expect(rows.map((r) => r.stream_id)).toEqual([1, 2, 3, 4, 5].map((i) => `feed:user:seed-${i}`));

    const again = await runCli(['seed', '--users', '5'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('seed: 5 users, 0 new follows, 0 new activities');
    expect(await eventsByType()).toEqual({ ActivityAdded: 10, FeedFollowed: 15 });
  });

  it('rejects a missing or malformed --users with exit code 1', async () => {
    const env = { DATABASE_URL: testDb.url, REDIS_URL: testRedisUrl };
    const missing = await runCli(['seed'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("required option '--users <n>'");
    const malformed = await runCli(['seed', '--users', 'lots'], env);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('expected a whole number');
  });
});
