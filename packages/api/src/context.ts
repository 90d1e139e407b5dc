import {
  createAggregatedReader,
  createTimelineReader,
  type FeedsConfig,
  type TimelineReader,
} from '@tideline/fanout';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { type AuthConfig, createAuthenticator, type Principal } from './auth.js';
import { createRateLimiter, type RateLimitConfig } from './rate-limit.js';

/** Everything the procedures use, built once per process and injected. */
export interface ApiDeps {
  db: Kysely<unknown>;
  redis: Redis;
  config: FeedsConfig;
  authenticate(authorization: string | undefined): Promise<Principal>;
  rateLimit(principal: Principal): Promise<void>;
  timelines: TimelineReader;
  aggregated: ReturnType<typeof createAggregatedReader>;
}

/** One request's context: the shared dependencies and what identifies the caller. */
export interface ApiContext {
  deps: ApiDeps;
  /** The raw `Authorization` header; procedures that need a principal verify it. */
  authorization: string | undefined;
  /** Correlates the request's log lines and the events it appends. */
  requestId: string;
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
}): ApiDeps {
  const { db, redis, config } = options;
  return {
    db,
    redis,
    config,
    authenticate: createAuthenticator(options.auth),
    rateLimit: createRateLimiter(redis, config.redisPrefix, options.rateLimits),
    timelines: createTimelineReader({ db, redis, config }),
    aggregated: createAggregatedReader({ db, config }),
  };
}
