import type { Redis } from 'ioredis';
import type { FanoutConfig } from '../config.js';

/**
 * Deletes every feed key (timelines, guards, body cache) under the configured prefix,
 * leaving the fan-out queue alone — the first step of a rebuild, and what losing Redis
 * amounts to. Feeds regenerate from PostgreSQL on their next read. Returns the count.
 *
 * @example
 * await dropFeedKeys(redis, config);
 */
export async function dropFeedKeys(
  redis: Redis,
  config: Pick<FanoutConfig, 'redisPrefix'>,
): Promise<number> {
  // Without a prefix the pattern would match every key of a shared Redis.
  if (config.redisPrefix === '') throw new Error('dropFeedKeys needs a non-empty REDIS_KEY_PREFIX');
  const queueTag = `${config.redisPrefix}{fanout}`;
  let dropped = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${config.redisPrefix}*`, 'COUNT', 1000);
    cursor = next;
    const feedKeys = keys.filter((key) => !key.startsWith(queueTag));
    if (feedKeys.length > 0) dropped += await redis.unlink(...feedKeys);
  } while (cursor !== '0');
  return dropped;
}
