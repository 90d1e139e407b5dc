import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { LoadResult } from './open-loop.js';

/** One open-loop run against an HTTP server, as the generator process receives it. */
export interface HttpLoad {
  /** `http://host:port` */
  origin: string;
  method: 'GET' | 'POST';
  /** Request n goes to `paths[n % paths.length]`. */
  paths: readonly string[];
  headers: Record<string, string>;
  /** A JSON body, sent with every request. */
  body?: string;
  /** Requests per second. */
  rate: number;
  warmupMs: number;
  durationMs: number;
}

export type ToGenerator = { load: HttpLoad };
export type FromGenerator =
  | { kind: 'result'; result: LoadResult }
  | { kind: 'error'; message: string };

export interface LoadGenerator {
  /** Runs one load to the end; one at a time. */
  run(load: HttpLoad): Promise<LoadResult>;
  /** Ends the process (it exits on disconnect; SIGKILL if it has not after 2 s). */
  stop(): Promise<void>;
}

/** tsx's loader, resolved from here so the child finds it whatever its working directory. */
const tsxLoader = import.meta.resolve('tsx');

/**
 * Forks the load generator (`generator-process.ts`) into its own process, so the load it
 * makes does not compete with the bench's event loop, and its timers are not held up by it.
 *
 * @example
 * const generator = await startLoadGenerator();
 * try { await generator.run({ origin, method: 'GET', paths: ['/healthz'], … }); }
 * finally { await generator.stop(); }
 */
export async function startLoadGenerator(): Promise<LoadGenerator> {
  const child: ChildProcess = fork(
    fileURLToPath(new URL('./generator-process.ts', import.meta.url)),
    [],
    { execArgv: ['--import', tsxLoader], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  await once(child, 'spawn');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    run(load) {
      return new Promise((resolve, reject) => {
        const onExit = (code: number | null) =>
          reject(new Error(`the load generator exited (${code}) during a run`));
        child.once('exit', onExit);
        child.once('message', (message: FromGenerator) => {
          child.off('exit', onExit);
          if (message.kind === 'error') reject(new Error(`load generator: ${message.message}`));
          else resolve(message.result);
        });
        child.send({ load } satisfies ToGenerator);
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited.finally(() => clearTimeout(timer));
    },
  };
}
