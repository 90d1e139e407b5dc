import type { Feed } from '@tideline/domain';
import { type FeedsConfig, regenerateFeed } from '@tideline/feeds';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { FeedBus } from './feed-bus.js';

export interface KeepWarmDeps {
  bus: FeedBus;
  db: Kysely<unknown>;
  /** A command connection (the bus's is in subscriber mode). */
  redis: Redis;
  config: FeedsConfig;
  /** Whether this process has a watcher of `feed` right now. */
  isWatched(feed: Feed): boolean;
  /** Told about each rebuild, for logs and tests. */
  onRegenerated?: (feed: Feed, error?: unknown) => void;
}

/**
 * A watched feed is a feed being read: it must not go cold. When a feed's `live` marker
 * expires (FANOUT_ACTIVE_DAYS without a read) or any of its keys is evicted, Redis sends
 * a keyevent notification (`notify-keyspace-events Exe`, infra/redis.conf); if this
 * process has a watcher of that feed, the feed's keys are rebuilt from PostgreSQL at once
 * (`regenerateFeed`), so write fan-out keeps delivering into it and the page the client
 * reads after a message is served from Redis, not rebuilt on the read path. Feeds nobody
 * watches expire as before. One subscription per process, on the bus's connection.
 *
 * @example
 * const stop = await keepWatchedFeedsWarm({ bus, db, redis, config, isWatched });
 */
export async function keepWatchedFeedsWarm(deps: KeepWarmDeps): Promise<() => Promise<void>> {
  const { config } = deps;
  const head = `${config.redisPrefix}{`;
  const running = new Set<Feed>();
  return deps.bus.onKeyEvent(['expired', 'evicted'], (event, key) => {
    if (!key.startsWith(head)) return;
    const end = key.lastIndexOf('}:');
    if (end < head.length) return;
    // The `live` marker's expiry, or the eviction of any of the feed's keys.
    if (event === 'expired' && key.slice(end + 2) !== 'live') return;
    const feed = key.slice(head.length, end);
    if (!deps.isWatched(feed) || running.has(feed)) return;
    running.add(feed);
    regenerateFeed(deps.db, deps.redis, config, feed)
      .then(
        () => deps.onRegenerated?.(feed),
        (error: unknown) => deps.onRegenerated?.(feed, error),
      )
      .finally(() => running.delete(feed));
  });
}
