import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@tideline/event-store/testing';
import { LOCAL_POSTGRES_URL, pollUntil } from '@tideline/local-stack';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnLauncher } from './testing/spawn-launcher.js';

async function withAdmin(query: string): Promise<void> {
  const admin = new pg.Client({ connectionString: LOCAL_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(query);
  } finally {
    await admin.end();
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A launcher run of its own: a fresh database, data directory and Redis key prefix before
 * the tests (pass `REDIS_KEY_PREFIX: run.redisPrefix`; the default `tl:` is a local
 * instance's), and after them the launcher killed if still running, the database, the
 * directory and the Redis keys removed.
 */
function launcherRun(name: string) {
  const redisPrefix = `launcher-${name}-${process.pid}:`;
  const run = {
    database: `tideline_launcher_${name}_${process.pid}_${Date.now()}`,
    redisPrefix,
    dataDir: '',
    launcher: undefined as ChildProcess | undefined,
    output: [] as string[],
  };
  beforeAll(async () => {
    run.dataDir = await mkdtemp(path.join(tmpdir(), `tideline-launcher-${name}-`));
    await withAdmin(`create database ${run.database}`);
  });
  afterAll(async () => {
    const { launcher } = run;
    if (launcher && launcher.exitCode === null && launcher.signalCode === null) {
      const exited = once(launcher, 'exit');
      launcher.kill('SIGKILL');
      await exited;
    }
    await withAdmin(`drop database if exists ${run.database} with (force)`);
    await rm(run.dataDir, { recursive: true, force: true });
    const redis = new Redis('redis://127.0.0.1:6379');
    const keys = await redis.keys(`${redisPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  return run;
}

describe('pnpm start (the launcher as a process)', () => {
  const run = launcherRun('e2e');
  const { output } = run;

  it('serves /readyz once up, and exits 0 with its children stopped on SIGTERM', async () => {
    const port = await freePort();
    const databaseUrl = `postgres://postgres@127.0.0.1:5432/${run.database}`;
    const child = spawnLauncher(
      {
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        WORKERS: '1',
        LOG_LEVEL: 'info',
        TIDELINE_DATA_DIR: run.dataDir,
        REDIS_KEY_PREFIX: run.redisPrefix,
      },
      output,
    );
    run.launcher = child;
    const exited = once(child, 'exit');

    const readyz = await pollUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`launcher exited early:\n${output.join('')}`);
        const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        return response?.status === 200 ? response.json() : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 100, what: '/readyz to answer 200' },
    );
    expect(readyz).toEqual({ status: 'ok', checks: { postgres: 'ok', redis: 'ok' } });
    await pollUntil(
      async () => (output.join('').includes('"msg":"worker ready"') ? true : undefined),
      {
        timeoutMs: 20_000,
        what: 'the worker to be ready',
      },
    );

    child.kill('SIGTERM');
    const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = await exited.finally(() => clearTimeout(timeout));

    const lines = output
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'));
    const logs = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect({ code, signal }, output.join('')).toEqual({ code: 0, signal: null });
    expect(logs).toContainEqual(expect.objectContaining({ msg: 'applied migrations' }));
    const childPids = logs
      .filter((log) => log.msg === 'started child process')
      .map((log) => Number(log.childPid));
    expect(childPids).toHaveLength(2);
    expect(childPids.filter(isRunning)).toEqual([]);
    expect(logs.filter((log) => log.msg === 'child process stopped')).toEqual([
      expect.objectContaining({ code: 0 }),
      expect.objectContaining({ code: 0 }),
    ]);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});

describe('pnpm start with DEMO=1', () => {
  const run = launcherRun('demo');
  const { output } = run;

  it('creates a local JWT secret and the demo users, and the server mints their tokens', async () => {
    const port = await freePort();
    const child = spawnLauncher(
      {
        DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${run.database}`,
        PORT: String(port),
        WORKERS: '1',
        LOG_LEVEL: 'info',
        TIDELINE_DATA_DIR: run.dataDir,
        REDIS_KEY_PREFIX: run.redisPrefix,
        DEMO: '1',
      },
      output,
    );
    run.launcher = child;
    const base = `http://127.0.0.1:${port}`;

    const minted = await pollUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`launcher exited early:\n${output.join('')}`);
        const response = await fetch(`${base}/demo/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user: 'ana' }),
        }).catch(() => undefined);
        return response?.status === 200
          ? (response.json() as Promise<{ token: string }>)
          : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 100, what: '/demo/token to mint a token' },
    );
    const timeline = await fetch(`${base}/api/v1/feeds/timeline/ana/activities`, {
      headers: { authorization: `Bearer ${minted.token}` },
    });

    expect(timeline.status).toBe(200);
    expect(
      (await readFile(path.join(run.dataDir, 'jwt-secret'), 'utf8')).trim().length,
    ).toBeGreaterThanOrEqual(32);
    expect(output.join('')).toContain('DEMO=1: the demo users are ready');
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code, output.join('')).toBe(0);
  });
});
