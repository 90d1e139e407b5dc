import { inheritedEnv as inherit, parseEnv, serviceUrlsShape } from '@tideline/config';
import { type FeedsConfig, feedsConfigFromEnv, feedsEnvShape } from '@tideline/feeds';
import { z } from 'zod';

/**
 * The CLI reads what the worker reads, nothing new: the two URLs, and the feed variables
 * (REDIS_KEY_PREFIX above all) so `rebuild` drops the same keys the running service uses.
 */
export const envSchema = z.object({
  ...feedsEnvShape,
  ...serviceUrlsShape,
});

export type CliEnv = z.output<typeof envSchema>;

/** What every command needs to reach the stack. */
export interface Target {
  databaseUrl: string;
  redisUrl: string;
  config: FeedsConfig;
}

/**
 * Reads and validates the CLI's configuration; throws one line per bad variable.
 *
 * @example
 * targetFromEnv({ REDIS_URL: 'redis://127.0.0.1:6380' }).redisUrl; // 'redis://127.0.0.1:6380'
 */
export function targetFromEnv(
  source: Readonly<Record<string, string | undefined>> = process.env,
): Target {
  const env = parseEnv(envSchema, source);
  return {
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    config: feedsConfigFromEnv(env),
  };
}

/** Whether stderr is a terminal: progress bars are drawn only there. */
export function interactive(): boolean {
  return process.stderr.isTTY === true;
}

/**
 * This process's environment plus `overrides`, for starting the CLI as a child (tests do).
 * Lives here because nothing but env.ts reads `process.env`.
 */
export function inheritedEnv(overrides: Readonly<Record<string, string>>): Record<string, string> {
  return inherit(overrides, process.env);
}
