import { feedsEnvShape } from '@tideline/fanout';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Treats `VAR=` like an unset variable. */
const blankAsUnset = (value: unknown) => (value === '' ? undefined : value);

const schema = z.object({
  ...feedsEnvShape,
  /** Fan-out jobs one worker process runs at once. */
  FANOUT_CONCURRENCY: z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: 'expected a whole number from 1 to 256' })
      .int({ error: 'expected a whole number from 1 to 256' })
      .min(1, { error: 'expected a whole number from 1 to 256' })
      .max(256, { error: 'expected a whole number from 1 to 256' })
      .default(8),
  ),
  DATABASE_URL: z.preprocess(
    blankAsUnset,
    z
      .url({
        protocol: /^postgres(ql)?$/,
        error: 'expected a URL like postgres://user@host:5432/tideline',
      })
      .default('postgres://postgres@127.0.0.1:5432/tideline'),
  ),
  REDIS_URL: z.preprocess(
    blankAsUnset,
    z
      .url({ protocol: /^rediss?$/, error: 'expected a URL like redis://host:6379' })
      .default('redis://127.0.0.1:6379'),
  ),
  LOG_LEVEL: z.preprocess(
    blankAsUnset,
    z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  ),
  /** Tells workers apart in logs and `pg_stat_activity`; the launcher numbers them from 1. */
  WORKER_ID: z.preprocess(
    blankAsUnset,
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'expected letters, digits, _ or -' })
      .optional(),
  ),
});

export type WorkerEnv = z.output<typeof schema>;

/**
 * Reads and validates the worker's configuration; throws one line per bad variable.
 *
 * @example
 * loadEnv({ WORKER_ID: '2' }).WORKER_ID; // '2'
 */
export function loadEnv(
  source: Readonly<Record<string, string | undefined>> = process.env,
): WorkerEnv {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(environment)');
    return `${name}: ${issue.message} (got ${JSON.stringify(source[name])})`;
  });
  throw new Error(`invalid configuration:\n${problems.join('\n')}`);
}

/**
 * This process's environment plus `overrides`, for starting another process (tests start
 * the worker this way). Lives here because nothing but env.ts reads `process.env`.
 */
export function inheritedEnv(
  overrides: Readonly<Record<string, string>>,
  source: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) if (value !== undefined) env[name] = value;
  return { ...env, ...overrides };
}
