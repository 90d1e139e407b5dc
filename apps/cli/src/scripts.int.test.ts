import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@tideline/event-store/testing';
import { startRedisServer, type TestRedisServer } from '@tideline/fanout/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedMigrations } from './checks/index.js';
import { repoRoot, runCli, runFile } from './testing/run-cli.js';

const scripts = join(repoRoot, 'infra/scripts');
const validator = join(scripts, 'schema-validator.sh');
let testDb: TestDatabase<unknown>;
let server: TestRedisServer;
let admin: Redis;
let env: Record<string, string>;

beforeAll(async () => {
  // Unmigrated: the scaffold script does that.
  testDb = await createTestDatabase('cli_scripts', { migrate: false });
  server = await startRedisServer();
  admin = new Redis(server.url);
  env = { DATABASE_URL: testDb.url, REDIS_URL: server.url };
});

afterAll(async () => {
  admin.disconnect();
  await server.stop();
  await testDb.destroy();
});

/** The check lines (`ok   …`, `WARN …`, `FAIL …`) of a run's stdout. */
const checkLines = (stdout: string) =>
  stdout.split('\n').filter((line) => /^(ok {2}|WARN|FAIL) /.test(line));

/**
 * Runs schema-validator.sh and `feed doctor` on the same state: the script (psql,
 * redis-cli) and the CLI must print the same check lines and agree on the exit code —
 * except the doctor's `config:` checks, which read the service's configuration
 * (FEED_GROUPS) that the script knows nothing of.
 */
async function validate() {
  const [script, cli] = await Promise.all([runFile(validator, [], env), runCli(['doctor'], env)]);
  const sharedLines = (stdout: string) =>
    checkLines(stdout).filter((line) => !/^(ok {2}|WARN|FAIL) config: /.test(line));
  expect(checkLines(script.stdout)).toEqual(sharedLines(cli.stdout));
  expect(script.code).toBe(cli.code);
  return script;
}

describe('infra/scripts', () => {
  it('schema-validator.sh exits non-zero on an unmigrated database, naming the problem', async () => {
    const run = await validate();
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL postgres: migrations applied — no migrations applied yet/m);
    expect(run.stderr).toContain('schema-validator.sh: FAILED');
  });

  it('scaffold-feed.sh sets the stack up, after which schema-validator.sh passes', async () => {
    const scaffold = await runFile(join(scripts, 'scaffold-feed.sh'), [], env);
    expect(scaffold.code, scaffold.stderr).toBe(0);
    expect(scaffold.stdout).toContain('init: done');
    const run = await validate();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('schema-validator.sh: all 9 checks passed');
  });

  it('schema-validator.sh fails on a dropped audit trigger, naming it', async () => {
    await psql('DROP TRIGGER audit_delete ON kept_follows');
    try {
      const run = await validate();
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        /^FAIL postgres: audit triggers — missing audit_delete on kept_follows \(recreate it as migration 0103-audit does\)$/m,
      );
    } finally {
      await psql(
        'CREATE TRIGGER audit_delete AFTER DELETE ON kept_follows REFERENCING OLD TABLE AS audit_old FOR EACH STATEMENT EXECUTE FUNCTION audit_kept_follows()',
      );
    }
    expect((await validate()).code).toBe(0);
  });

  it('schema-validator.sh fails on a missing index, naming its migration', async () => {
    await psql('DROP INDEX feed_entries_activity_idx');
    try {
      const run = await validate();
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        /^FAIL postgres: tables and indexes — missing index feed_entries\.feed_entries_activity_idx \(migration 0100-feeds\)/m,
      );
    } finally {
      await psql('CREATE INDEX feed_entries_activity_idx ON feed_entries (activity_id)');
    }
  });

  it('schema-validator.sh exits non-zero when Redis lacks keyspace notifications', async () => {
    try {
      await admin.config('SET', 'notify-keyspace-events', '');
      const run = await validate();
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^FAIL redis: notify-keyspace-events — is "", lacks "Exe"/m);
    } finally {
      await admin.config('SET', 'notify-keyspace-events', 'Exe');
    }
  });

  it('warns, and passes, on persistence that can bring back older feed state', async () => {
    try {
      // Not appendonly: turning it on would write an AOF next to the test.
      await admin.config('SET', 'save', '3600 1');
      const run = await validate();
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /^WARN redis: persistence — Redis RDB snapshots \(save "3600 1"\) can restart it with feed state older than the event log; .* set save "" and appendonly no/m,
      );
    } finally {
      await admin.config('SET', 'save', '');
    }
  });

  it('warns, and passes, on another eviction policy', async () => {
    try {
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      const run = await validate();
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^WARN redis: maxmemory-policy — is allkeys-lru/m);
    } finally {
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
    }
  });

  it('schema-validator.sh reports unreachable PostgreSQL and Redis, one line each', async () => {
    const run = await runFile(validator, [], {
      DATABASE_URL: `${testDb.url}_missing`,
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    expect(run.code).toBe(1);
    expect(checkLines(run.stdout)).toEqual([
      expect.stringMatching(/^FAIL postgres: checks — .*; check DATABASE_URL/),
      expect.stringMatching(/^FAIL redis: reachable — .*; check REDIS_URL/),
    ]);
  });

  it('expects the migrations the code ships: the files the script lists', async () => {
    const files: string[] = [];
    for (const pkg of await readdir(join(repoRoot, 'packages'))) {
      const dir = join(repoRoot, 'packages', pkg, 'src/migrations');
      const names = await readdir(dir).catch(() => []);
      files.push(...names.filter((n) => /^\d.*\.ts$/.test(n)).map((n) => n.replace(/\.ts$/, '')));
    }
    expect(files.sort().join(',')).toBe(expectedMigrations());
  });

  it('exit 127 with a clear message when a tool is missing', async () => {
    const validatorRun = await runFile('/bin/bash', [validator], { ...env, PATH: '/nonexistent' });
    expect(validatorRun.code).toBe(127);
    expect(validatorRun.stderr).toContain('schema-validator.sh: psql not found on PATH');
    const scaffold = await runFile('/bin/bash', [join(scripts, 'scaffold-feed.sh')], {
      ...env,
      PATH: '/nonexistent',
    });
    expect(scaffold.code).toBe(127);
    expect(scaffold.stderr).toContain('scaffold-feed.sh: node not found on PATH');
  });
});

/** One statement through psql against the test database (what an operator would do). */
async function psql(statement: string): Promise<void> {
  const run = await runFile(
    'psql',
    [testDb.url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', statement],
    {},
  );
  expect(run.code, run.stderr).toBe(0);
}
