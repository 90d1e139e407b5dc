import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@tideline/event-store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStackError } from './local-stack-error.js';
import { probeRedis } from './probe-redis.js';
import { redisConfigPath } from './redis-config-path.js';
import { resolveRedis } from './resolve-redis.js';
import type { RunningService } from './running-service.js';
import { MISSING_REDIS_SERVER } from './start-redis-server.js';
import { captureLogs } from './testing/silent-logger.js';

describe('resolveRedis', () => {
  let dataDir: string;
  const started: RunningService[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'tideline-redis-'));
  });

  afterAll(async () => {
    await Promise.all(started.map((service) => service.stop()));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts redis-server on the fallback port when nothing answers locally, and stops it', async () => {
    const { logger } = captureLogs();
    const [unused, fallbackPort] = [await freePort(), await freePort()];
    const redis = await resolveRedis({
      localUrl: `redis://127.0.0.1:${unused}`,
      fallbackPort,
      dataDir,
      configPath: redisConfigPath,
      logger,
    });
    started.push(redis);

    expect(redis).toMatchObject({ source: 'started', url: `redis://127.0.0.1:${fallbackPort}` });
    expect(await probeRedis(redis.url)).toEqual({ ok: true });

    await redis.stop();
    expect((await probeRedis(redis.url, 500)).ok).toBe(false);
  });

  it('uses a Redis answering on the local URL without starting one', async () => {
    const { logger } = captureLogs();
    const fallbackPort = await freePort();
    const first = await resolveRedis({
      localUrl: `redis://127.0.0.1:${await freePort()}`,
      fallbackPort,
      dataDir,
      configPath: redisConfigPath,
      logger,
    });
    started.push(first);

    const second = await resolveRedis({
      localUrl: first.url,
      fallbackPort: await freePort(),
      dataDir,
      configPath: redisConfigPath,
      logger,
    });

    expect(second).toMatchObject({ source: 'local', url: first.url });
    expect(second.settings).toEqual({});
    await first.stop();
  });

  it('answers with a one-line fix when redis-server is not installed', async () => {
    const { logger } = captureLogs();
    const attempt = resolveRedis({
      localUrl: `redis://127.0.0.1:${await freePort()}`,
      fallbackPort: await freePort(),
      dataDir,
      configPath: redisConfigPath,
      binary: 'redis-server-not-installed-here',
      logger,
    });

    await expect(attempt).rejects.toThrow(LocalStackError);
    await expect(attempt).rejects.toThrow(MISSING_REDIS_SERVER);
    expect(MISSING_REDIS_SERVER).not.toContain('\n');
    expect(MISSING_REDIS_SERVER).toContain('apt-get install redis-server');
  });

  it('fails with one line when REDIS_URL does not answer, instead of falling back', async () => {
    const { logger } = captureLogs();
    const port = await freePort();
    const attempt = resolveRedis({
      redisUrl: `redis://127.0.0.1:${port}`,
      fallbackPort: await freePort(),
      dataDir,
      configPath: redisConfigPath,
      logger,
    });

    await expect(attempt).rejects.toThrow(
      new RegExp(
        `^Redis at REDIS_URL \\(redis://127.0.0.1:${port}\\) is unreachable: .*ECONNREFUSED.*; start it or fix REDIS_URL$`,
      ),
    );
  });
});
