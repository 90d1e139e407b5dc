import { z } from 'zod';

/** Treats `VAR=` like an unset variable, as shells and `.env` files usually mean it. */
export const blankAsUnset = (value: unknown) => (value === '' ? undefined : value);

/**
 * A whole number in `[min, max]`, `fallback` when unset.
 *
 * @example
 * z.object({ PORT: integerVar(1, 65535, 3000) }).parse({ PORT: '8080' }); // { PORT: 8080 }
 */
export function integerVar(min: number, max: number, fallback: number) {
  const error = `expected an integer from ${min} to ${max}`;
  return z.preprocess(
    blankAsUnset,
    z
      .string({ error })
      .regex(/^-?\d+$/, { error })
      .transform(Number)
      .pipe(z.number().min(min, { error }).max(max, { error }))
      .default(fallback),
  );
}

/**
 * An on/off switch: `1`/`true`/`on`/`yes` turn it on, `0`/`false`/`off`/`no` (or unset) off.
 *
 * @example
 * z.object({ DEMO: flagVar }).parse({ DEMO: '1' }); // { DEMO: true }
 */
export const flagVar = z.preprocess(
  (value) => (typeof value === 'string' ? value.trim().toLowerCase() : value),
  z
    .enum(['', '1', 'true', 'on', 'yes', '0', 'false', 'off', 'no'], {
      error: 'expected 1 or 0 (also true/false, on/off, yes/no)',
    })
    .default('0')
    .transform((value) => ['1', 'true', 'on', 'yes'].includes(value)),
);

/** A URL with one of `protocols` (e.g. `['redis:', 'rediss:']`); undefined when unset. */
export function optionalUrlVar(protocols: readonly string[], example: string) {
  return z.preprocess(
    blankAsUnset,
    z
      .string()
      .refine(
        (value) => {
          try {
            return protocols.includes(new URL(value).protocol);
          } catch {
            return false;
          }
        },
        { error: `expected a URL like ${example}` },
      )
      .optional(),
  );
}

/** Like `optionalUrlVar`, with a default. */
export function urlVar(protocols: readonly string[], example: string, fallback: string) {
  return optionalUrlVar(protocols, example).transform((value) => value ?? fallback);
}

export const postgresProtocols = ['postgres:', 'postgresql:'] as const;
export const redisProtocols = ['redis:', 'rediss:'] as const;

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** pino's levels, `info` when unset. */
export const logLevelVar = z.preprocess(
  blankAsUnset,
  z.enum(logLevels, { error: `expected one of ${logLevels.join(', ')}` }).default('info'),
);

/**
 * DATABASE_URL and REDIS_URL as every process that runs against an existing stack reads
 * them: the machine's local PostgreSQL and Redis by default.
 */
export const serviceUrlsShape = {
  DATABASE_URL: urlVar(
    postgresProtocols,
    'postgres://user@host:5432/tideline',
    'postgres://postgres@127.0.0.1:5432/tideline',
  ),
  REDIS_URL: urlVar(redisProtocols, 'redis://host:6379', 'redis://127.0.0.1:6379'),
};
