import { blankAsUnset, integerVar } from '@tideline/config';
import { z } from 'zod';

/** How feeds behave; the apps fill it from their validated environment. */
export interface FeedsConfig {
  /** Authors with at most this many followers fan out on write (SPEC §3). */
  fanoutThreshold: number;
  /** Timelines unread for this many days are skipped by fan-out and expire. */
  fanoutActiveDays: number;
  /** Entries kept per Redis sorted set. */
  timelineMax: number;
  /** Prefix of every Redis key, e.g. `tl:` (tests use one per file). */
  redisPrefix: string;
  /** Followers per fan-out job. */
  fanoutBatchSize: number;
}

export const defaultFeedsConfig: FeedsConfig = {
  fanoutThreshold: 10_000,
  fanoutActiveDays: 7,
  timelineMax: 800,
  redisPrefix: 'tl:',
  fanoutBatchSize: 500,
};

/**
 * The feed variables every app reads (SPEC §7), as a zod shape for the apps' own env.ts
 * schemas — declared once so the server and the worker cannot disagree on a default.
 */
export const feedsEnvShape = {
  FANOUT_THRESHOLD: integerVar(0, 10_000_000, defaultFeedsConfig.fanoutThreshold),
  FANOUT_ACTIVE_DAYS: integerVar(1, 3650, defaultFeedsConfig.fanoutActiveDays),
  TIMELINE_MAX: integerVar(10, 100_000, defaultFeedsConfig.timelineMax),
  REDIS_KEY_PREFIX: z.preprocess(
    blankAsUnset,
    z
      .string()
      .regex(/^[A-Za-z0-9_:.-]{1,64}$/, { error: 'expected 1 to 64 letters, digits, _ : . or -' })
      .default(defaultFeedsConfig.redisPrefix),
  ),
};

export type FeedsEnv = { [K in keyof typeof feedsEnvShape]: z.output<(typeof feedsEnvShape)[K]> };

export function feedsConfigFromEnv(env: FeedsEnv): FeedsConfig {
  return {
    ...defaultFeedsConfig,
    fanoutThreshold: env.FANOUT_THRESHOLD,
    fanoutActiveDays: env.FANOUT_ACTIVE_DAYS,
    timelineMax: env.TIMELINE_MAX,
    redisPrefix: env.REDIS_KEY_PREFIX,
  };
}
