import path from 'node:path';
import { feedsEnvShape } from '@tideline/fanout';
import { z } from 'zod';
import { repoRoot } from './repo-paths.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Treats `VAR=` like an unset variable, as shells and `.env` files usually mean it. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const integer = (min: number, max: number, fallback: number) =>
  optional(
    z
      .string()
      .regex(/^\d+$/, { error: `expected an integer from ${min} to ${max}` })
      .transform(Number)
      .pipe(
        z
          .number()
          .min(min, { error: `expected an integer from ${min} to ${max}` })
          .max(max, {
            error: `expected an integer from ${min} to ${max}`,
          }),
      ),
  ).transform((value) => value ?? fallback);

const url = (protocols: readonly string[], example: string) =>
  optional(
    z.string().refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      { error: `expected a URL like ${example}` },
    ),
  );

const schema = z.object({
  // Validated here too, so a bad value stops `pnpm start` at once instead of crash-looping a worker.
  ...feedsEnvShape,
  DATABASE_URL: url(['postgres:', 'postgresql:'], 'postgres://user@host:5432/tideline'),
  REDIS_URL: url(['redis:', 'rediss:'], 'redis://host:6379'),
  PORT: integer(1, 65535, 3000),
  WORKERS: integer(0, 64, 1),
  LOG_LEVEL: optional(
    z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }),
  ).transform((value) => value ?? 'info'),
  TIDELINE_DATA_DIR: optional(z.string()).transform((value) =>
    path.resolve(repoRoot, value ?? '.data'),
  ),
  EMBEDDED_POSTGRES_PORT: integer(1, 65535, 54329),
  REDIS_FALLBACK_PORT: integer(1, 65535, 63790),
});

export type LauncherEnv = z.output<typeof schema>;

/** Thrown by `loadEnv`; `problems` holds one line per bad variable. */
export class InvalidEnvError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.join('\n')}`);
    this.name = 'InvalidEnvError';
  }
}

/**
 * Reads and validates the launcher's configuration. Every variable has a default, so an
 * empty environment is valid.
 *
 * @example
 * const env = loadEnv({ PORT: '8080' }); // env.PORT === 8080, env.WORKERS === 1
 */
export function loadEnv(
  source: Readonly<Record<string, string | undefined>> = process.env,
): LauncherEnv {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(environment)');
    return `${name}: ${issue.message} (got ${JSON.stringify(source[name])})`;
  });
  throw new InvalidEnvError(problems);
}

/**
 * The environment a child process starts with: this process's own plus `overrides`.
 * Lives here because nothing but env.ts reads `process.env`.
 */
export function childProcessEnv(
  overrides: Readonly<Record<string, string>>,
  source: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) if (value !== undefined) env[name] = value;
  return { ...env, ...overrides };
}
