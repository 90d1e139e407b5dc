import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { FeedsConfig } from '../config.js';
import { checkRedisFreshness, type StaleRedisReport } from './stale-redis.js';

export interface WatchRedisFreshnessOptions {
  db: Kysely<unknown>;
  redis: Redis;
  config: FeedsConfig;
  /**
   * Checks besides the one at start and the one after each reconnect, for a Redis that
   * changes under a live connection (a failover to a lagging replica behind a proxy).
   * Default 2000 ms; a check is one PostgreSQL row and one GET.
   */
  intervalMs?: number;
  onStale?: (report: StaleRedisReport) => void;
  /** A check that failed (Redis or PostgreSQL unreachable); the next one runs as planned. */
  onError?: (error: unknown) => void;
}

export interface RedisFreshnessWatch {
  /** Stops checking and waits for a check under way. */
  stop(): Promise<void>;
}

/**
 * Runs `checkRedisFreshness` at start, after every reconnect of `redis` (a Redis that
 * restarted from a snapshot is always a reconnect) and every `intervalMs`, one check at a
 * time, so a stale Redis is dropped within moments even when no event arrives. The feed
 * projector checks each batch as well; this covers the quiet moments in between.
 *
 * @example
 * const watch = watchRedisFreshness({ db, redis, config, onStale: (r) => logger.warn(r) });
 * // …
 * await watch.stop();
 */
export function watchRedisFreshness(options: WatchRedisFreshnessOptions): RedisFreshnessWatch {
  const { db, redis, config } = options;
  let stopped = false;
  let again = false;
  let running: Promise<void> | undefined;

  async function checkUntilSettled(): Promise<void> {
    do {
      again = false;
      try {
        const report = await checkRedisFreshness(db, redis, config);
        if (report) options.onStale?.(report);
      } catch (error) {
        options.onError?.(error);
      }
    } while (again && !stopped);
  }

  const check = () => {
    if (stopped) return;
    if (running) {
      // A reconnect during a check: the check may have read the Redis from before it.
      again = true;
      return;
    }
    running = checkUntilSettled().finally(() => {
      running = undefined;
    });
  };

  const timer = setInterval(check, options.intervalMs ?? 2000);
  timer.unref();
  redis.on('ready', check);
  check();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      redis.off('ready', check);
      await running;
    },
  };
}
