import { TidelineError } from '@tideline/domain';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { type Principal, principalName } from './auth.js';

export interface RateLimitConfig {
  /** Requests per minute for each user token; 0 = unlimited. */
  userPerMinute: number;
  /** Requests per minute for each server API key; 0 = unlimited. */
  serverPerMinute: number;
  /**
   * Failed authentications per minute for each client address, after which the address
   * is refused (`limitAuthFailures`); 0 or absent = unlimited.
   */
  authFailuresPerMinute?: number;
}

/**
 * Fixed-window request limits per token, counted in Redis (`rate-limiter-flexible`), so
 * every server process shares one count. Over the limit → RATE_LIMITED with the seconds
 * until the window frees up; Redis unreachable → the Redis error, which the API reports
 * as SERVICE_UNAVAILABLE like any other outage.
 *
 * @example
 * const limit = createRateLimiter(redis, 'tl:', { userPerMinute: 600, serverPerMinute: 0 });
 * await limit({ kind: 'user', userId: 'ana' });
 */
export function createRateLimiter(redis: Redis, prefix: string, config: RateLimitConfig) {
  const limiter = (points: number) =>
    points === 0
      ? undefined
      : new RateLimiterRedis({
          storeClient: redis,
          keyPrefix: `${prefix}rate`,
          points,
          duration: 60,
          rejectIfRedisNotReady: true,
        });
  const limiters = {
    user: limiter(config.userPerMinute),
    server: limiter(config.serverPerMinute),
  };

  return async function consume(principal: Principal): Promise<void> {
    const chosen = limiters[principal.kind];
    if (chosen === undefined) return;
    try {
      await chosen.consume(principalName(principal));
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        throw rateLimited(
          error.msBeforeNext,
          `rate limit of ${chosen.points} requests per minute reached`,
        );
      }
      throw error;
    }
  };
}

/**
 * RATE_LIMITED with the whole seconds until the window frees up (at least 1), which the
 * transports send as `Retry-After`.
 */
export function rateLimited(msBeforeNext: number, reason: string): TidelineError {
  const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new TidelineError('RATE_LIMITED', `${reason}; retry in ${retryAfterSeconds} s`, {
    retryAfterSeconds,
  });
}
