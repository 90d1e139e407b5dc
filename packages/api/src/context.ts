import type { Feed } from '@tideline/domain';
import {
  createAggregatedReader,
  createTimelineReader,
  type FeedsConfig,
  type TimelineReader,
} from '@tideline/feeds';
import {
  createFeedBus,
  createFeedWatcher,
  type WatchMessage,
  type WatchOptions,
} from '@tideline/realtime';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { type AuthConfig, createAuthenticator, type Principal } from './auth.js';
import { type Authenticate, limitAuthFailures } from './auth-failure-limit.js';
import { createRateLimiter, type RateLimitConfig } from './rate-limit.js';

/** Everything the procedures use, built once per process and injected. */
export interface ApiDeps {
  db: Kysely<unknown>;
  redis: Redis;
  config: FeedsConfig;
  /** The bearer token's principal; failures are counted against `clientAddress`. */
  authenticate: Authenticate;
  rateLimit(principal: Principal): Promise<void>;
  timelines: TimelineReader;
  aggregated: ReturnType<typeof createAggregatedReader>;
  /** A feed's live messages, resumable (`packages/realtime`). */
  watch(feed: Feed, options: WatchOptions): AsyncGenerator<WatchMessage>;
  /** Local watch listeners and Redis channels of this process. */
  watchStats(): { listeners: number; channels: number };
  /** Closes what the dependencies opened themselves (the pub/sub connection). */
  close(): Promise<void>;
}

/** Messages held for a subscriber that is not taking them, before it is cut off. */
export const DEFAULT_WATCH_BUFFER_MAX = 1000;

/** One request's context: the shared dependencies and what identifies the caller. */
export interface ApiContext {
  deps: ApiDeps;
  /** The raw `Authorization` header; procedures that need a principal verify it. */
  authorization: string | undefined;
  /**
   * The client's address: the socket's peer, never a forwarded header (the server trusts
   * no proxy). Failed authentications are limited per address.
   */
  clientAddress?: string | undefined;
  /** Correlates the request's log lines and the events it appends. */
  requestId: string;
  /**
   * Resolves when the connection can take another subscription message (a WebSocket whose
   * send buffer has drained); subscriptions wait on it, so their bounded queues fill
   * instead of the socket's. SSE needs none: its stream is pulled as the socket drains.
   */
  drained?: () => Promise<void>;
  /**
   * Aborted when the server starts shutting down: subscriptions then end with
   * SERVICE_UNAVAILABLE, which clients resume from (on another process).
   */
  closing?: AbortSignal;
}

/**
 * Builds the procedures' dependencies from connections and configuration.
 *
 * @example
 * const deps = createApiDeps({ db, redis, config, auth: { apiKeys: [key] },
 *   rateLimits: { userPerMinute: 600, serverPerMinute: 0 } });
 */
export function createApiDeps(options: {
  db: Kysely<unknown>;
  redis: Redis;
  config: FeedsConfig;
  auth: AuthConfig;
  rateLimits: RateLimitConfig;
  /** Per-subscriber queue bound (`WATCH_BUFFER_MAX`). */
  watchBufferMax?: number;
}): ApiDeps {
  const { db, redis, config } = options;
  // One subscriber connection per process, opened by the first watch.
  let bus: ReturnType<typeof createFeedBus> | undefined;
  let watcher: ReturnType<typeof createFeedWatcher> | undefined;
  const watcherOf = () => {
    if (watcher === undefined) {
      // Unlike the command connection, it queues SUBSCRIBEs while (re)connecting: a
      // watch opened during a Redis outage starts when Redis is back.
      // No ready check: its INFO would race the first SUBSCRIBEs and fail in subscriber mode.
      const subscriber = redis.duplicate({
        connectionName: 'tideline-server-pubsub',
        enableOfflineQueue: true,
        enableReadyCheck: false,
        maxRetriesPerRequest: null,
      });
      subscriber.on('error', () => {});
      bus = createFeedBus(subscriber, config.redisPrefix);
      watcher = createFeedWatcher({
        bus,
        db,
        config,
        bufferMax: options.watchBufferMax ?? DEFAULT_WATCH_BUFFER_MAX,
        // Watched feeds whose keys expire or are evicted are rebuilt at once.
        redis,
      });
    }
    return watcher;
  };
  return {
    db,
    redis,
    config,
    authenticate: limitAuthFailures(createAuthenticator(options.auth), {
      redis,
      prefix: config.redisPrefix,
      perMinute: options.rateLimits.authFailuresPerMinute ?? 0,
    }),
    rateLimit: createRateLimiter(redis, config.redisPrefix, options.rateLimits),
    timelines: createTimelineReader({ db, redis, config }),
    aggregated: createAggregatedReader({ db, config }),
    watch: (feed, watchOptions) => watcherOf().watch(feed, watchOptions),
    watchStats: () => bus?.stats() ?? { listeners: 0, channels: 0 },
    async close() {
      await bus?.close();
    },
  };
}
