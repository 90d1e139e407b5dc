import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * The server's Redis connection. While Redis is down, commands fail at once — the API
 * answers 503 — instead of queueing behind a reconnect; the client keeps reconnecting,
 * so service resumes by itself when Redis returns.
 */
export function createServerRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    connectionName: 'tideline-server',
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
  });
  redis.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  return redis;
}
