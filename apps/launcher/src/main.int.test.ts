import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@tideline/event-store/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childProcessEnv } from './env.js';
import { LOCAL_POSTGRES_URL } from './local-stack/resolve-postgres.js';
import { pollUntil } from './poll-until.js';

const mainFile = fileURLToPath(new URL('./main.ts', import.meta.url));

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

describe('pnpm start (the launcher as a process)', () => {
  const database = `tideline_launcher_e2e_${process.pid}_${Date.now()}`;
  let dataDir: string;
  let launcher: ChildProcess | undefined;
  const output: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'tideline-launcher-'));
    await withAdmin(`create database ${database}`);
  });

  afterAll(async () => {
    if (launcher && launcher.exitCode === null && launcher.signalCode === null) {
      const exited = once(launcher, 'exit');
      launcher.kill('SIGKILL');
      await exited;
    }
    await withAdmin(`drop database if exists ${database} with (force)`);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves /readyz once up, and exits 0 with its children stopped on SIGTERM', async () => {
    const port = await freePort();
    const databaseUrl = `postgres://postgres@127.0.0.1:5432/${database}`;
    const child = spawn(process.execPath, ['--import', 'tsx', mainFile], {
      cwd: path.dirname(path.dirname(mainFile)),
      env: childProcessEnv({
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        WORKERS: '1',
        LOG_LEVEL: 'info',
        TIDELINE_DATA_DIR: dataDir,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    launcher = child;
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
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
