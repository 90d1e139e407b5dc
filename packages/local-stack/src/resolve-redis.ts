import type { Logger } from 'pino';
import { LocalStackError } from './local-stack-error.js';
import { connectOnce, probeRedis } from './probe-redis.js';
import { readRedisConf } from './read-redis-conf.js';
import { redactUrl } from './redact-url.js';
import { ensureRedisSettings, type RedisSettingsReport } from './redis-settings.js';
import { notStartedByUs, type RunningService } from './running-service.js';
import { startRedisServer } from './start-redis-server.js';

export const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';

export interface ResolveRedisOptions {
  /** `REDIS_URL`: when set, used as is and never replaced by a fallback. */
  redisUrl?: string | undefined;
  /** A server to try before starting one. */
  localUrl?: string;
  /** The port of the redis-server this launcher starts when nothing else answers. */
  fallbackPort: number;
  /** Where a started redis-server runs, e.g. `<TIDELINE_DATA_DIR>/redis`. */
  dataDir: string;
  /** infra/redis.conf: the started server runs with it, others are compared to it. */
  configPath: string;
  /** Name or path of the redis-server executable. */
  binary?: string;
  logger: Logger;
}

export interface ResolvedRedis extends RunningService {
  /** What was checked or changed on a Redis this process did not start. */
  settings?: RedisSettingsReport;
}

/**
 * Finds a Redis to use: `redisUrl` if given (it must answer), else the local server, else
 * one already answering on the fallback port, else a redis-server started there. Settings
 * of a Redis it did not start are checked (see `ensureRedisSettings`).
 *
 * @example
 * const redis = await resolveRedis({ fallbackPort: 63790, dataDir: '.data/redis', configPath, logger });
 */
export async function resolveRedis(options: ResolveRedisOptions): Promise<ResolvedRedis> {
  const { logger } = options;
  const fallbackUrl = `redis://127.0.0.1:${options.fallbackPort}`;
  let found: { url: string; source: 'configured' | 'local' | 'reused' } | undefined;

  if (options.redisUrl) {
    const probe = await probeRedis(options.redisUrl);
    if (!probe.ok) {
      throw new LocalStackError(
        `Redis at REDIS_URL (${redactUrl(options.redisUrl)}) is unreachable: ${probe.reason}; start it or fix REDIS_URL`,
      );
    }
    found = { url: options.redisUrl, source: 'configured' };
  } else {
    const localUrl = options.localUrl ?? LOCAL_REDIS_URL;
    const local = await probeRedis(localUrl);
    if (local.ok) found = { url: localUrl, source: 'local' };
    else {
      logger.info({ url: redactUrl(localUrl), reason: local.reason }, 'no usable local Redis');
      // Left by an earlier run that was killed before it could stop its redis-server.
      if ((await probeRedis(fallbackUrl, 500)).ok) found = { url: fallbackUrl, source: 'reused' };
    }
  }

  if (!found) {
    logger.info({ port: options.fallbackPort }, 'starting redis-server');
    return startRedisServer({
      binary: options.binary,
      configPath: options.configPath,
      port: options.fallbackPort,
      dir: options.dataDir,
      logger,
    });
  }

  const expectedPolicy = (await readRedisConf(options.configPath)).get('maxmemory-policy');
  const redis = connectOnce(found.url);
  try {
    await redis.connect();
    const settings = await ensureRedisSettings(redis, {
      expectedPolicy,
      logger,
      url: redactUrl(found.url),
    });
    logger.info({ url: redactUrl(found.url), source: found.source }, 'using Redis');
    return { ...found, stop: notStartedByUs, settings };
  } finally {
    redis.disconnect();
  }
}
