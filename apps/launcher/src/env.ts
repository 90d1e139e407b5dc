import path from 'node:path';
import {
  blankAsUnset,
  flagVar,
  InvalidEnvError,
  inheritedEnv,
  integerVar,
  logLevelVar,
  optionalUrlVar,
  parseEnv,
  postgresProtocols,
  redisProtocols,
} from '@tideline/config';
import { feedsEnvShape } from '@tideline/feeds';
import { z } from 'zod';
import { repoRoot } from './repo-paths.js';

export const envSchema = z.object({
  // Validated here too, so a bad value stops `pnpm start` at once instead of crash-looping a worker.
  ...feedsEnvShape,
  DATABASE_URL: optionalUrlVar(postgresProtocols, 'postgres://user@host:5432/tideline'),
  REDIS_URL: optionalUrlVar(redisProtocols, 'redis://host:6379'),
  PORT: integerVar(1, 65535, 3000),
  WORKERS: integerVar(0, 64, 1),
  LOG_LEVEL: logLevelVar,
  TIDELINE_DATA_DIR: z
    .preprocess(blankAsUnset, z.string().optional())
    .transform((value) => path.resolve(repoRoot, value ?? '.data')),
  EMBEDDED_POSTGRES_PORT: integerVar(1, 65535, 54329),
  REDIS_FALLBACK_PORT: integerVar(1, 65535, 63790),
  // Checked in full by the server; the launcher only needs to know whether any is set.
  API_KEYS: z.preprocess(blankAsUnset, z.string().optional()),
  JWT_SECRET: z.preprocess(blankAsUnset, z.string().optional()),
  DEMO: flagVar,
});

export type LauncherEnv = z.output<typeof envSchema>;

export { InvalidEnvError };

/**
 * Reads and validates the launcher's configuration. Every variable has a default, so an
 * empty environment is valid; a bad one throws `InvalidEnvError` naming it.
 *
 * @example
 * const env = loadEnv({ PORT: '8080' }); // env.PORT === 8080, env.WORKERS === 1
 */
export function loadEnv(
  source: Readonly<Record<string, string | undefined>> = process.env,
): LauncherEnv {
  return parseEnv(envSchema, source);
}

/**
 * The environment a child process starts with: this process's own plus `overrides`.
 * Lives here because nothing but env.ts reads `process.env`.
 */
export function childProcessEnv(
  overrides: Readonly<Record<string, string>>,
): Record<string, string> {
  return inheritedEnv(overrides, process.env);
}
