import { type ChildProcess, spawn } from 'node:child_process';
import { freePort, waitFor } from '@tideline/event-store/testing';
import { Redis } from 'ioredis';

export interface TestRedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** Start again where a stopped server was. */
  port?: number;
  /** Where `dump.rdb` lives; with `save`, a restart on the same `dir` loads the snapshot. */
  dir?: string;
  /** The `save` directive (e.g. `3600 1`); default `""`, no snapshots. */
  save?: string;
}

/**
 * A private redis-server on a free port (or `port`, to start one again where a stopped
 * one was), for tests that must FLUSHDB or stop Redis without touching anyone else's
 * keys. Stop it in afterAll.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<TestRedisServer> {
  const port = options.port ?? (await freePort());
  const snapshots = options.dir ? ['--dir', options.dir, '--dbfilename', 'dump.rdb'] : [];
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      options.save ?? '',
      ...snapshots,
      '--appendonly',
      'no',
      '--notify-keyspace-events',
      'Exe',
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      const probe = new Redis(url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => {});
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    },
    { message: `redis-server on port ${port}` },
  );
  return {
    url,
    port,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
