import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import { LocalStackError } from './local-stack-error.js';
import { pollUntil } from './poll-until.js';
import { probeRedis } from './probe-redis.js';
import type { RunningService } from './running-service.js';

export interface RedisServerOptions {
  /** The executable, looked up on PATH; injectable so tests can simulate its absence. */
  binary?: string;
  /** The shipped infra/redis.conf. */
  configPath: string;
  port: number;
  /** Working folder of redis-server (it persists nothing with the shipped config). */
  dir: string;
  logger: Logger;
  startTimeoutMs?: number;
}

export const MISSING_REDIS_SERVER =
  'redis-server not found on PATH: install redis-server (apt-get install redis-server) or set REDIS_URL';

/**
 * Runs `redis-server <configPath> --port <port>` in `dir` and waits until it answers PING.
 * It gets its own process group, so a terminal's Ctrl-C reaches the launcher only and the
 * launcher stops it last, after the processes that use it.
 *
 * @example
 * const redis = await startRedisServer({ configPath: 'infra/redis.conf', port: 63790, dir: '.data/redis', logger });
 */
export async function startRedisServer(options: RedisServerOptions): Promise<RunningService> {
  const { binary = 'redis-server', configPath, port, dir, logger } = options;
  await mkdir(dir, { recursive: true });
  const child = spawn(binary, [configPath, '--port', String(port), '--dir', dir], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lastLines: string[] = [];
  const remember = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      logger.debug({ redis: line }, 'redis-server output');
      lastLines.push(line);
    }
    lastLines.splice(0, Math.max(0, lastLines.length - 5));
  };
  child.stdout.on('data', remember);
  child.stderr.on('data', remember);

  let exit: string | undefined;
  child.once('error', (error: NodeJS.ErrnoException) => {
    exit =
      error.code === 'ENOENT'
        ? MISSING_REDIS_SERVER
        : `redis-server could not start: ${error.message}`;
  });
  child.once('exit', (code, signal) => {
    exit ??= `redis-server exited (${signal ?? `code ${code}`}) on port ${port}: ${lastLines.at(-1) ?? 'no output'}; set REDIS_URL or REDIS_FALLBACK_PORT`;
  });

  const url = `redis://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited.finally(() => clearTimeout(timer));
  };
  try {
    await pollUntil(
      async () => {
        if (exit) throw new LocalStackError(exit);
        return (await probeRedis(url, 500)).ok ? true : undefined;
      },
      { timeoutMs: options.startTimeoutMs ?? 10_000, what: `redis-server on port ${port}` },
    );
  } catch (error) {
    await stop();
    if (error instanceof LocalStackError) throw error;
    throw new LocalStackError(
      `redis-server did not answer on port ${port}: ${lastLines.at(-1) ?? 'no output'}; set REDIS_URL`,
    );
  }
  logger.info({ url, pid: child.pid }, 'started redis-server');
  return { url, source: 'started', stop };
}
