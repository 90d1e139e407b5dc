import { createTestDatabase, type TestDatabase } from '@tideline/event-store/testing';
import { startRedisServer, type TestRedisServer } from '@tideline/fanout/testing';
import { defaultFeedsConfig, feedMigrations } from '@tideline/feeds';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Target } from '../env.js';
import { memoryOutput } from '../output.js';
import { runCli } from '../testing/run-cli.js';
import { doctor } from './doctor.js';

let testDb: TestDatabase<unknown>;
let server: TestRedisServer;
let admin: Redis;
let target: Target;

beforeAll(async () => {
  testDb = await createTestDatabase('cli_doctor', { migrations: feedMigrations });
  server = await startRedisServer();
  admin = new Redis(server.url);
  target = { databaseUrl: testDb.url, redisUrl: server.url, config: defaultFeedsConfig };
});

afterAll(async () => {
  admin.disconnect();
  await server.stop();
  await testDb.destroy();
});

beforeEach(async () => {
  await admin.config('SET', 'notify-keyspace-events', 'Exe');
  await admin.config('SET', 'maxmemory-policy', 'noeviction');
});

/** Runs the doctor and returns the result of the check called `name`. */
async function checkNamed(name: string) {
  const { results } = await doctor(target, memoryOutput());
  const result = results.find((r) => r.name === name);
  if (!result) throw new Error(`no check named ${name}`);
  return result;
}

describe('feed doctor', () => {
  it('passes every check on a freshly migrated database and a configured Redis', async () => {
    const output = memoryOutput();
    const { results, failed } = await doctor(target, output);
    expect(failed).toBe(0);
    expect(results.map((r) => r.status)).toEqual(results.map(() => 'ok'));
    expect(results).toHaveLength(10);
    expect(output.lines.at(-1)).toBe('doctor: all 10 checks passed');
  });

  it('warns, naming the group and an edge, when a follow edge targets a group that cannot be followed', async () => {
    expect((await checkNamed('config: follow targets')).status).toBe('ok');
    await sql`
      INSERT INTO follows (source, target, followed_position)
      VALUES ('timeline:ana', 'notification:bob', '0'), ('timeline:ana', 'user:bob', '0')`.execute(
      testDb.db,
    );
    try {
      const result = await checkNamed('config: follow targets');
      expect(result.status).toBe('warn');
      expect(result.message).toContain('1 follow edge(s)');
      expect(result.message).toContain('notification: 1, e.g. timeline:ana -> notification:bob');
      expect(result.message).not.toContain('user:bob');
    } finally {
      await sql`DELETE FROM follows WHERE source = 'timeline:ana'`.execute(testDb.db);
    }
  });

  it('fails naming the audit trigger and table when an audit trigger is dropped', async () => {
    await sql`DROP TRIGGER audit_update ON follows`.execute(testDb.db);
    try {
      const result = await checkNamed('postgres: audit triggers');
      expect(result.status).toBe('fail');
      expect(result.message).toContain('missing audit_update on follows');
      expect(result.message).toContain('0103-audit');
    } finally {
      await sql
        .raw(`
        CREATE TRIGGER audit_update AFTER UPDATE ON follows
        REFERENCING OLD TABLE AS audit_old NEW TABLE AS audit_new
        FOR EACH STATEMENT EXECUTE FUNCTION audit_follows()`)
        .execute(testDb.db);
    }
  });

  it('fails naming a disabled immutability trigger on events', async () => {
    await sql`ALTER TABLE events DISABLE TRIGGER events_immutable_rows`.execute(testDb.db);
    try {
      const result = await checkNamed('postgres: events immutability triggers');
      expect(result.status).toBe('fail');
      expect(result.message).toContain('disabled events_immutable_rows on events');
      expect(result.message).toContain('ENABLE TRIGGER');
    } finally {
      await sql`ALTER TABLE events ENABLE TRIGGER events_immutable_rows`.execute(testDb.db);
    }
  });

  it('fails naming the index and its migration when an index is dropped', async () => {
    await sql`DROP INDEX follows_target_idx`.execute(testDb.db);
    try {
      const result = await checkNamed('postgres: tables and indexes');
      expect(result.status).toBe('fail');
      expect(result.message).toContain('index follows.follows_target_idx (migration 0100-feeds)');
    } finally {
      await sql`CREATE INDEX follows_target_idx ON follows (target, source)`.execute(testDb.db);
    }
  });

  it('fails when the materialized view has lost its unique index', async () => {
    await sql`DROP INDEX author_recent_entries_key`.execute(testDb.db);
    try {
      const result = await checkNamed('postgres: materialized view author_recent_entries');
      expect(result.status).toBe('fail');
      expect(result.message).toContain('author_recent_entries_key');
    } finally {
      await sql`CREATE UNIQUE INDEX author_recent_entries_key ON author_recent_entries (feed, time_ms, activity_id)`.execute(
        testDb.db,
      );
    }
  });

  it('fails naming the missing flags when Redis has no keyspace notifications', async () => {
    await admin.config('SET', 'notify-keyspace-events', '');
    const result = await checkNamed('redis: notify-keyspace-events');
    expect(result.status).toBe('fail');
    expect(result.message).toContain('lacks "Exe"');
    expect(result.message).toContain('CONFIG SET notify-keyspace-events');
  });

  it('only warns, saying what to set, when RDB snapshots can restore older feed state', async () => {
    // Debian's stock redis.conf has the built-in save points.
    await admin.config('SET', 'save', '3600 1 300 100 60 10000');
    const { results, failed } = await doctor(target, memoryOutput()).finally(() =>
      admin.config('SET', 'save', ''),
    );
    expect(failed).toBe(0);
    const result = results.find((r) => r.name === 'redis: persistence');
    expect(result?.status).toBe('warn');
    expect(result?.message).toContain('RDB snapshots (save "3600 1 300 100 60 10000")');
    expect(result?.message).toContain('set save "" and appendonly no as infra/redis.conf does');
  });

  it('only warns when maxmemory-policy differs from infra/redis.conf', async () => {
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const { results, failed } = await doctor(target, memoryOutput());
    expect(failed).toBe(0);
    expect(results.find((r) => r.name === 'redis: maxmemory-policy')?.status).toBe('warn');
  });

  it('fails the Redis checks, and only those, when Redis is unreachable', async () => {
    const { results } = await doctor(
      { ...target, redisUrl: 'redis://127.0.0.1:1' },
      memoryOutput(),
    );
    const failedNames = results.filter((r) => r.status === 'fail').map((r) => r.name);
    expect(failedNames).toEqual([
      'redis: reachable',
      'redis: notify-keyspace-events',
      'redis: maxmemory-policy',
      'redis: persistence',
    ]);
  });

  it('exits 1 from the command line on a failing check, 0 when all pass', async () => {
    const env = { DATABASE_URL: testDb.url, REDIS_URL: server.url };
    const passing = await runCli(['doctor'], env);
    expect(passing.code).toBe(0);
    expect(passing.stdout).toContain('doctor: all 10 checks passed');

    await admin.config('SET', 'notify-keyspace-events', '');
    const failing = await runCli(['doctor'], env);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/^FAIL redis: notify-keyspace-events/m);
    expect(failing.stderr.trim()).toBe('feed doctor: 1 check(s) failed');
  });

  it('fails with a one-line error on an invalid DATABASE_URL', async () => {
    const run = await runCli(['doctor'], { DATABASE_URL: 'mysql://nope', REDIS_URL: server.url });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('DATABASE_URL');
  });
});
