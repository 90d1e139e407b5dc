import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@tideline/event-store/testing';
import { startRedisServer, type TestRedisServer } from '@tideline/fanout/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runFile } from './testing/run-cli.js';

const scripts = join(repoRoot, 'infra/scripts');
let testDb: TestDatabase<unknown>;
let server: TestRedisServer;
let env: Record<string, string>;

beforeAll(async () => {
  // Unmigrated: the scaffold script does that.
  testDb = await createTestDatabase('cli_scripts', { migrate: false });
  server = await startRedisServer();
  env = { DATABASE_URL: testDb.url, REDIS_URL: server.url };
});

afterAll(async () => {
  await server.stop();
  await testDb.destroy();
});

describe('infra/scripts', () => {
  it('schema-validator.sh exits non-zero on an unmigrated database, naming the problem', async () => {
    const run = await runFile(join(scripts, 'schema-validator.sh'), [], env);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toMatch(/^FAIL postgres: migrations applied — no migrations applied yet/m);
    expect(run.stderr).toContain('schema-validator.sh: FAILED');
  });

  it('scaffold-feed.sh sets the stack up, after which schema-validator.sh passes', async () => {
    const scaffold = await runFile(join(scripts, 'scaffold-feed.sh'), [], env);
    expect(scaffold.code, scaffold.stderr).toBe(0);
    expect(scaffold.stdout).toContain('init: done');
    const validate = await runFile(join(scripts, 'schema-validator.sh'), [], env);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toContain('doctor: all 8 checks passed');
  });

  it('schema-validator.sh exits non-zero when Redis lacks keyspace notifications', async () => {
    const admin = new Redis(server.url);
    try {
      await admin.config('SET', 'notify-keyspace-events', '');
      const run = await runFile(join(scripts, 'schema-validator.sh'), [], env);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^FAIL redis: notify-keyspace-events/m);
    } finally {
      await admin.config('SET', 'notify-keyspace-events', 'Exe');
      admin.disconnect();
    }
  });

  it('both scripts exit non-zero with a clear message when node is missing', async () => {
    for (const script of ['scaffold-feed.sh', 'schema-validator.sh']) {
      const run = await runFile('/bin/bash', [join(scripts, script)], {
        ...env,
        PATH: '/nonexistent',
      });
      expect(run.code).toBe(127);
      expect(run.stderr).toContain(`${script}: node not found on PATH`);
    }
  });
});
