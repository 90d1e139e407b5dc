import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Treats `VAR=` like an unset variable. */
const blankAsUnset = (value: unknown) => (value === '' ? undefined : value);

const schema = z.object({
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
  PORT: z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: 'expected an integer from 1 to 65535' })
      .int({ error: 'expected an integer from 1 to 65535' })
      .min(1, { error: 'expected an integer from 1 to 65535' })
      .max(65535, { error: 'expected an integer from 1 to 65535' })
      .default(3000),
  ),
  LOG_LEVEL: z.preprocess(
    blankAsUnset,
    z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  ),
});

export type ServerEnv = z.output<typeof schema>;

/**
 * Reads and validates the API server's configuration; throws one line per bad variable.
 *
 * @example
 * loadEnv({ PORT: '8080' }).PORT; // 8080
 */
export function loadEnv(
  source: Readonly<Record<string, string | undefined>> = process.env,
): ServerEnv {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(environment)');
    return `${name}: ${issue.message} (got ${JSON.stringify(source[name])})`;
  });
  throw new Error(`invalid configuration:\n${problems.join('\n')}`);
}
