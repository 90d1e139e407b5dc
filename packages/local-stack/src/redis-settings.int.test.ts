import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@tideline/event-store/testing';
import type { Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectOnce } from './probe-redis.js';
import { readRedisConf } from './read-redis-conf.js';
import { redisConfigPath } from './redis-config-path.js';
import { missingKeyspaceFlags, REQUIRED_KEYSPACE_EVENTS } from './redis-settings.js';
import { resolveRedis } from './resolve-redis.js';
import type { RunningService } from './running-service.js';
import { startRedisServer } from './start-redis-server.js';
import { captureLogs } from './testing/silent-logger.js';

/** A throwaway redis-server configured unlike infra/redis.conf. */
async function startMisconfiguredRedis(dir: string, settings: string): Promise<RunningService> {
  const config = path.join(dir, `redis-${Math.random().toString(36).slice(2)}.conf`);
  await writeFile(config, `bind 127.0.0.1\nsave ""\nappendonly no\n${settings}\n`);
  return startRedisServer({
    configPath: config,
    port: await freePort(),
    dir,
    logger: captureLogs().logger,
  });
}

/** resolveRedis finding `redis` at its local URL (a fallback it would start never runs). */
async function resolveLocal(redis: RunningService, dir: string, logger: Logger) {
  return resolveRedis({
    localUrl: redis.url,
    fallbackPort: await freePort(),
    dataDir: dir,
    configPath: redisConfigPath,
    logger,
  });
}

async function configGet(url: string, name: string): Promise<unknown> {
  const redis = connectOnce(url);
  try {
    await redis.connect();
    const reply = await redis.config('GET', name);
    return Array.isArray(reply) ? reply[1] : undefined;
  } finally {
    redis.disconnect();
  }
}

describe('Redis settings check', () => {
  let dir: string;
  const started: RunningService[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tideline-redis-settings-'));
  });

  afterAll(async () => {
    await Promise.all(started.map((service) => service.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  it('ships the required keyspace flags in infra/redis.conf', async () => {
    const conf = await readRedisConf(redisConfigPath);
    expect(
      missingKeyspaceFlags(conf.get('notify-keyspace-events') ?? '', REQUIRED_KEYSPACE_EVENTS),
    ).toBe('');
  });

  it('enables keyspace notifications on a Redis that has none, and reports the change', async () => {
    const redis = await startMisconfiguredRedis(dir, 'notify-keyspace-events ""');
    started.push(redis);
    const { logger, lines } = captureLogs();

    const resolved = await resolveLocal(redis, dir, logger);

    expect(resolved.source).toBe('local');
    expect(resolved.settings?.keyspaceEvents?.from).toBe('');
    const now = String(await configGet(redis.url, 'notify-keyspace-events'));
    expect(resolved.settings?.keyspaceEvents?.to).toBe(now);
    expect(missingKeyspaceFlags(now, REQUIRED_KEYSPACE_EVENTS)).toBe('');
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'enabled Redis keyspace notifications the service needs',
        added: 'Exe',
      }),
    );
  });

  it('keeps the flags a shared Redis already had when adding ours', async () => {
    const redis = await startMisconfiguredRedis(dir, 'notify-keyspace-events Kl');
    started.push(redis);

    const resolved = await resolveLocal(redis, dir, captureLogs().logger);

    const now = String(await configGet(redis.url, 'notify-keyspace-events'));
    expect([...now].sort()).toEqual([...'KlExe'].sort());
    expect([...(resolved.settings?.keyspaceEvents?.from ?? '')].sort()).toEqual([...'Kl'].sort());
    expect(resolved.settings?.keyspaceEvents?.to).toBe(now);
  });

  it('warns about a different eviction policy without changing it', async () => {
    const redis = await startMisconfiguredRedis(
      dir,
      'notify-keyspace-events AE\nmaxmemory-policy allkeys-lru',
    );
    started.push(redis);
    const { logger, lines } = captureLogs();

    const resolved = await resolveLocal(redis, dir, logger);

    expect(resolved.settings?.keyspaceEvents).toBeUndefined();
    expect(resolved.settings?.policyWarning).toBe(
      'Redis maxmemory-policy is allkeys-lru, infra/redis.conf uses noeviction',
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 40, policy: 'allkeys-lru', expected: 'noeviction' }),
    );
    expect(await configGet(redis.url, 'maxmemory-policy')).toBe('allkeys-lru');
  });
  it('warns when snapshots can bring back older feed state, without changing them', async () => {
    const redis = await startMisconfiguredRedis(dir, 'notify-keyspace-events AE\nsave 3600 1');
    started.push(redis);
    const { logger, lines } = captureLogs();

    const resolved = await resolveLocal(redis, dir, logger);

    expect(resolved.settings?.persistenceWarning).toMatch(
      /^Redis RDB snapshots \(save "3600 1"\) can restart it with feed state older than the event log; .* set save "" and appendonly no/,
    );
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, save: '3600 1' }));
    expect(await configGet(redis.url, 'save')).toBe('3600 1');
  });

  it('says nothing about persistence on a Redis configured like infra/redis.conf', async () => {
    const redis = await startMisconfiguredRedis(dir, 'notify-keyspace-events AE');
    started.push(redis);

    const resolved = await resolveLocal(redis, dir, captureLogs().logger);

    expect(resolved.settings?.persistenceWarning).toBeUndefined();
  });
});

describe('missingKeyspaceFlags', () => {
  it('reads A as every key-space class', () => {
    expect(missingKeyspaceFlags('AE', 'Exe')).toBe('');
    expect(missingKeyspaceFlags('AK', 'Exe')).toBe('E');
    expect(missingKeyspaceFlags('', 'Exe')).toBe('Exe');
  });
});
