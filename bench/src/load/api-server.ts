import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export interface ApiServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Log lines the server wrote at warn level or above (or not as JSON), and the last few. */
  problems(): { count: number; last: string[] };
  /** CPU time the server process has used so far, ms (Linux: from /proc; else undefined). */
  cpuMs(): number | undefined;
  /**
   * Waits until `/healthz` answers in under 20 ms twice in a row (at most 60 s): after an
   * overloaded run the server may still be working through requests the generator gave up on.
   */
  settle(): Promise<void>;
  /** SIGTERM (the server drains and exits), SIGKILL after 10 s. */
  stop(): Promise<void>;
}

const tsxLoader = import.meta.resolve('tsx');
const serverMain = fileURLToPath(import.meta.resolve('@tideline/server/main'));

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Keeps count of the lines pino wrote at warn (40) or above, and anything that is not pino. */
function watchLogs(child: ChildProcess) {
  let count = 0;
  const last: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue;
    createInterface({ input: stream }).on('line', (line) => {
      let level = 100;
      try {
        level = Number((JSON.parse(line) as { level?: unknown }).level ?? 100);
      } catch {}
      if (level < 40) return;
      count += 1;
      last.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
      if (last.length > 5) last.shift();
    });
  }
  return () => ({ count, last: [...last] });
}

/**
 * utime + stime of a process and its live descendants (a cluster primary's server
 * processes), ms; /proc counts in USER_HZ, 100 on every Linux we run on.
 */
function cpuMsOf(pid: number | undefined): number | undefined {
  if (pid === undefined || process.platform !== 'linux') return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const own = (Number(fields[11]) + Number(fields[12])) * 10;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter((child) => child.trim() !== '')
      .map((child) => cpuMsOf(Number(child)) ?? 0);
    return children.reduce((sum, ms) => sum + ms, own);
  } catch {
    return undefined;
  }
}

async function settle(origin: string): Promise<void> {
  const deadline = performance.now() + 60_000;
  let quick = 0;
  while (quick < 2 && performance.now() < deadline) {
    const start = performance.now();
    await fetch(`${origin}/healthz`).then(
      (res) => res.arrayBuffer(),
      () => undefined,
    );
    quick = performance.now() - start < 20 ? quick + 1 : 0;
    if (quick < 2) await sleep(100);
  }
}

/**
 * Starts the API server as production runs it (`apps/server/src/main.ts` under tsx, its
 * own process, configured only by `env`) on a free port, and waits until `/readyz` is 200.
 * The IPC channel makes the server shut itself down if the bench dies first.
 *
 * @example
 * const server = await startApiServer({ DATABASE_URL, REDIS_URL, API_KEYS: key });
 * try { … fetch(`${server.origin}/api/v1/…`) … } finally { await server.stop(); }
 */
export async function startApiServer(env: Record<string, string>): Promise<ApiServer> {
  const port = await freePort();
  // BENCH_PROFILE_DIR=<dir> writes a V8 CPU profile of the server there when it stops.
  const profile = process.env.BENCH_PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
    : [];
  const extra = process.env.BENCH_SERVER_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...profile, ...extra, '--import', tsxLoader, serverMain], {
    cwd: dirname(dirname(serverMain)),
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const problems = watchLogs(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited.finally(() => clearTimeout(timer));
  };
  const origin = `http://127.0.0.1:${port}`;
  try {
    const deadline = performance.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) {
        throw new Error(`the API server exited (${child.exitCode}): ${problems().last.join('\n')}`);
      }
      const ready = await fetch(`${origin}/readyz`).then(
        (res) => res.ok,
        () => false,
      );
      if (ready) break;
      if (performance.now() > deadline) throw new Error('the API server was not ready in 30 s');
      await sleep(100);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    origin,
    problems,
    cpuMs: () => cpuMsOf(child.pid),
    settle: () => settle(origin),
    stop,
  };
}
