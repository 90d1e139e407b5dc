import { blankAsUnset, integerVar } from '@tideline/config';
import {
  defaultFeedGroups,
  type FeedGroupConfig,
  feedGroupConfigsSchema,
  formatIssues,
} from '@tideline/domain';
import { defaultFanoutConfig, type FanoutConfig } from '@tideline/fanout';
import { z } from 'zod';

/** How feeds behave; the apps fill it from their validated environment. */
export interface FeedsConfig extends FanoutConfig {
  /** The configured feed groups and their kinds (docs/product.md §1). */
  groups: readonly FeedGroupConfig[];
}

export const defaultFeedsConfig: FeedsConfig = {
  ...defaultFanoutConfig,
  groups: defaultFeedGroups,
};

/** FEED_GROUPS: a JSON array of `{ name, kind, aggregationKey? }`, checked by the domain. */
const feedGroupsVar = z.preprocess(
  blankAsUnset,
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: 'expected JSON like [{"name":"user","kind":"flat"}]',
        });
        return z.NEVER;
      }
    })
    .pipe(
      z.unknown().transform((value, ctx) => {
        const parsed = feedGroupConfigsSchema.safeParse(value);
        if (parsed.success) return parsed.data;
        for (const issue of formatIssues(parsed.error.issues)) {
          ctx.addIssue({
            code: 'custom',
            message: `${issue.path ? `${issue.path}: ` : ''}${issue.message}`,
          });
        }
        return z.NEVER;
      }),
    )
    .optional(),
);

/**
 * The feed variables every app reads (docs/product.md §7), as a zod shape for the apps' own env.ts
 * schemas — declared once so the server and the worker cannot disagree on a default.
 */
export const feedsEnvShape = {
  FANOUT_THRESHOLD: integerVar(0, 10_000_000, defaultFeedsConfig.fanoutThreshold),
  FANOUT_ACTIVE_DAYS: integerVar(1, 3650, defaultFeedsConfig.fanoutActiveDays),
  TIMELINE_MAX: integerVar(10, 100_000, defaultFeedsConfig.timelineMax),
  FEED_GROUPS: feedGroupsVar,
  REDIS_KEY_PREFIX: z.preprocess(
    blankAsUnset,
    z
      .string()
      .regex(/^[A-Za-z0-9_:.-]{1,64}$/, { error: 'expected 1 to 64 letters, digits, _ : . or -' })
      .default(defaultFeedsConfig.redisPrefix),
  ),
};

export type FeedsEnv = z.output<z.ZodObject<typeof feedsEnvShape>>;

export function feedsConfigFromEnv(env: FeedsEnv): FeedsConfig {
  return {
    ...defaultFeedsConfig,
    fanoutThreshold: env.FANOUT_THRESHOLD,
    fanoutActiveDays: env.FANOUT_ACTIVE_DAYS,
    timelineMax: env.TIMELINE_MAX,
    redisPrefix: env.REDIS_KEY_PREFIX,
    groups: env.FEED_GROUPS ?? defaultFeedGroups,
  };
}
