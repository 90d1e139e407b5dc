import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '@tideline/event-store/testing';
import { createFeedHarness, type FeedHarness } from '@tideline/feeds/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * SERVER_PROCESSES=2: `main.ts` as production runs it — a cluster primary and two server
 * processes sharing one port.
 */

const mainFile = fileURLToPath(new URL('./main.ts', import.meta.url));
let harness: FeedHarness;
let primary: ChildProcess;
let origin: string;
const output: string[] = [];

/** A GET on a connection of its own, so the primary hands each to the next process. */
function getFresh(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${origin}${path}`, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/**
 * The pids of the primary's server processes: its node children (under tsx, the primary
 * may also run an esbuild service process while it compiles a file tsx had not cached).
 */
function serverPids(): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(primary.pid)], {
      encoding: 'utf8',
    })
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([, command]) => command === 'node')
      .map(([pid]) => Number(pid));
  } catch {
    return []; // ps exits 1 when there are none
  }
}

beforeAll(async () => {
  harness = await createFeedHarness('server_cluster');
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  primary = spawn(process.execPath, ['--import', 'tsx', mainFile], {
    env: {
      ...process.env,
      PORT: String(port),
      SERVER_PROCESSES: '2',
      DATABASE_URL: harness.testDb.url,
      REDIS_KEY_PREFIX: harness.config.redisPrefix,
      API_KEYS: 'cluster-test-key-0123456789abcdef',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [primary.stdout, primary.stderr]) {
    stream?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
  }
  await waitFor(() => output.join('').includes('server processes listening'), {
    timeoutMs: 30_000,
    message: 'the server processes to listen',
  }).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${output.join('')}`);
  });
});

afterAll(async () => {
  if (primary.exitCode === null && primary.signalCode === null) {
    const exited = once(primary, 'exit');
    primary.kill('SIGKILL');
    await exited;
  }
  for (const pid of serverPids()) process.kill(pid, 'SIGKILL');
  await harness.destroy();
});

describe('SERVER_PROCESSES=2', () => {
  it('runs two server processes, and a scrape of either counts the requests of both', async () => {
    expect(serverPids()).toHaveLength(2);
    for (let i = 0; i < 30; i += 1) expect((await getFresh('/healthz')).status).toBe(200);
    const { status, body } = await getFresh('/metrics');
    expect(status).toBe(200);
    const count = body.match(
      /^tideline_http_request_duration_seconds_count\{[^}]*route="\/healthz"[^}]*\} (\d+)$/m,
    );
    // Round-robin gives each process about half; only the merged figure is exactly 30.
    expect(Number(count?.[1])).toBe(30);
    // Store readings are taken once, not summed over the processes.
    expect(body).toMatch(/^tideline_projector_lag_events 0$/m);
  });

  it('replaces a server process that dies, and keeps serving meanwhile', async () => {
    const [victim, survivor] = serverPids();
    if (victim === undefined || survivor === undefined) throw new Error('expected two processes');
    process.kill(victim, 'SIGKILL');
    await waitFor(
      async () => {
        const pids = serverPids();
        return pids.length === 2 && !pids.includes(victim);
      },
      { timeoutMs: 20_000, message: 'a replacement server process' },
    );
    await waitFor(
      () =>
        output.join('').split('server processes listening').length > 1 &&
        output.join('').includes('a server process exited; starting another'),
      { message: 'the restart to be logged' },
    );
    for (let i = 0; i < 10; i += 1) expect((await getFresh('/healthz')).status).toBe(200);
  });

  it('stops every server process on SIGTERM and exits 0', async () => {
    const pids = serverPids();
    const exited = once(primary, 'exit');
    primary.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});
