import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '@tideline/event-store/testing';
import { serverEnvSchema } from '@tideline/process-env';

/**
 * The API server's entry point, found by its place in the monorepo. A package never
 * imports an app; like the launcher, this one runs it as a process, under tsx, with the
 * server's own folder as its working directory (so its own dependencies resolve).
 */
export const serverMain = fileURLToPath(
  new URL('../../../apps/server/src/main.ts', import.meta.url),
);

/** tsx's loader, resolved from here so the child finds it whatever its folder. */
const tsxLoader = import.meta.resolve('tsx');

/** Every variable the server reads: none leaks in from the environment running the tests. */
const serverVariables = Object.keys(serverEnvSchema.shape);

export interface ServerProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** SIGTERM (the server drains and exits), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Starts `apps/server/src/main.ts` as its own process on a free port, configured only by
 * `env` (its `PORT` is chosen here), and waits until `/readyz` answers 200. The IPC channel
 * makes the server shut itself down if the test process dies first.
 *
 * @example
 * const server = await startServerProcess({ DATABASE_URL, REDIS_URL, API_KEYS: key });
 * try { await fetch(`${server.url}/healthz`); } finally { await server.stop(); }
 */
export async function startServerProcess(
  env: Readonly<Record<string, string>>,
  options: { readyTimeoutMs?: number } = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const inherited = { ...process.env };
  for (const name of serverVariables) delete inherited[name];
  const child = spawn(process.execPath, ['--import', tsxLoader, serverMain], {
    cwd: path.dirname(path.dirname(serverMain)),
    env: { ...inherited, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const output = lastLines(child);
  const url = `http://127.0.0.1:${port}`;
  const server: ServerProcess = { url, stop: (timeoutMs = 10_000) => stop(child, timeoutMs) };
  try {
    await untilReady(child, url, options.readyTimeoutMs ?? 30_000, output);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** Polls `/readyz` until it is 200; fails at once, with its last output, if the child exits. */
async function untilReady(
  child: ChildProcess,
  url: string,
  timeoutMs: number,
  output: () => string[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const status = child.exitCode ?? child.signalCode;
      throw new Error(
        `the API server exited (${status}) before it was ready:\n${output().join('\n')}`,
      );
    }
    const ready = await fetch(`${url}/readyz`).then(
      async (response) => {
        await response.arrayBuffer();
        return response.ok;
      },
      () => false,
    );
    if (ready) return;
    if (Date.now() > deadline) {
      throw new Error(
        `the API server was not ready within ${timeoutMs} ms:\n${output().join('\n')}`,
      );
    }
    await sleep(50);
  }
}

async function stop(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killTimer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited.finally(() => clearTimeout(killTimer));
}

/** Keeps the last lines the child wrote, for the error when it dies during start-up. */
function lastLines(child: ChildProcess, keep = 20): () => string[] {
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      lines.push(...chunk.split('\n').filter((line) => line !== ''));
      lines.splice(0, Math.max(0, lines.length - keep));
    });
  }
  return () => [...lines];
}
