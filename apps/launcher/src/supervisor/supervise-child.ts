import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { restartDelay, STABLE_AFTER_MS } from './restart-backoff.js';

export interface ChildSpec {
  /** Shown in logs, e.g. `server` or `worker-1`. */
  name: string;
  /** A TypeScript entry point, run under tsx. */
  file: string;
  /** The child's whole environment. */
  env: Record<string, string>;
}

export interface SupervisedChild {
  readonly name: string;
  /** SIGTERM, then SIGKILL after `timeoutMs`; no restart afterwards. */
  stop(timeoutMs: number): Promise<void>;
}

/** tsx's loader, resolved from here so children find it whatever their folder. */
const tsxLoader = import.meta.resolve('tsx');

/**
 * Runs `spec.file` under tsx and restarts it with backoff whenever it exits unexpectedly.
 *
 * The child gets its own process group, so a terminal's Ctrl-C reaches the launcher only
 * and the launcher decides the order of shutdown; and an IPC channel, whose disconnect
 * tells the child its launcher died (even by SIGKILL) so it never outlives it.
 *
 * @example
 * const server = superviseChild({ name: 'server', file, env }, logger);
 * await server.stop(10_000);
 */
export function superviseChild(spec: ChildSpec, logger: Logger): SupervisedChild {
  const log = logger.child({ child: spec.name });
  let current: ChildProcess | undefined;
  let stopping = false;
  let crashes = 0;
  let restartTimer: NodeJS.Timeout | undefined;

  const start = () => {
    const startedAt = Date.now();
    const child = spawn(process.execPath, ['--import', tsxLoader, spec.file], {
      cwd: path.dirname(path.dirname(spec.file)),
      env: spec.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      detached: true,
    });
    current = child;
    log.info({ childPid: child.pid, file: spec.file }, 'started child process');
    let handled = false;
    const onEnd = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
      if (handled) return;
      handled = true;
      current = undefined;
      if (stopping) return;
      if (Date.now() - startedAt >= STABLE_AFTER_MS) crashes = 0;
      const delay = restartDelay(crashes++);
      log.warn(
        { code, signal, error: error?.message, restartInMs: delay },
        'child process exited unexpectedly; restarting',
      );
      restartTimer = setTimeout(start, delay);
    };
    child.once('error', (error) => onEnd(null, null, error));
    child.once('exit', (code, signal) => onEnd(code, signal));
  };

  start();
  return {
    name: spec.name,
    async stop(timeoutMs) {
      stopping = true;
      clearTimeout(restartTimer);
      const child = current;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const killTimer = setTimeout(() => {
        log.warn({ timeoutMs }, 'child process did not stop in time; killing it');
        child.kill('SIGKILL');
      }, timeoutMs);
      const [code, signal] = await exited.finally(() => clearTimeout(killTimer));
      log.info({ code, signal }, 'child process stopped');
    },
  };
}

/** The file behind a package export such as `@tideline/server/main`. */
export function entryPoint(specifier: string): string {
  return fileURLToPath(import.meta.resolve(specifier));
}
