import { Redis } from 'ioredis';
import { describeError } from './local-stack-error.js';
import type { ProbeResult } from './probe-postgres.js';

/**
 * A client that fails at once instead of retrying, for start-up checks: a missing Redis
 * should be reported (or replaced), not waited for.
 */
export function connectOnce(url: string, timeoutMs = 2_000): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectionName: 'tideline-launcher',
  });
  redis.on('error', () => {});
  return redis;
}

/** Connects once and sends PING; never throws. */
export async function probeRedis(url: string, timeoutMs = 2_000): Promise<ProbeResult> {
  const redis = connectOnce(url, timeoutMs);
  // connect() rejects with a bare "Connection is closed."; the cause comes as an event.
  let cause: unknown;
  redis.on('error', (error) => {
    cause ??= error;
  });
  try {
    await redis.connect();
    const reply = await redis.ping();
    return reply === 'PONG' ? { ok: true } : { ok: false, reason: `PING answered ${reply}` };
  } catch (error) {
    return { ok: false, reason: describeError(cause ?? error) };
  } finally {
    redis.disconnect();
  }
}
