import path from 'node:path';
import {
  blankAsUnset,
  flagVar,
  integerVar,
  logLevelVar,
  optionalUrlVar,
  postgresProtocols,
  redisProtocols,
} from '@tideline/config';
import { feedsEnvShape } from '@tideline/feeds';
import { z } from 'zod';
import { repoRoot } from './repo-root.js';

/** What the launcher (apps/launcher, `pnpm start`) reads. */
export const launcherEnvSchema = z.object({
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

export type LauncherEnv = z.output<typeof launcherEnvSchema>;
