import { blankAsUnset, flagVar, integerVar, logLevelVar, serviceUrlsShape } from '@tideline/config';
import { feedsEnvShape } from '@tideline/feeds';
import { z } from 'zod';

/** A comma-separated list; blanks between commas are ignored. */
const listOf = <T extends z.ZodType<string>>(item: T) =>
  z.preprocess(
    (value) =>
      typeof value === 'string'
        ? value
            .split(',')
            .map((part) => part.trim())
            .filter((part) => part !== '')
        : [],
    z.array(item),
  );

/** What the API server (apps/server) reads. */
export const serverEnvSchema = z.object({
  ...feedsEnvShape,
  ...serviceUrlsShape,
  PORT: integerVar(1, 65535, 3000),
  /** Server processes sharing PORT (node:cluster); 0 = one per CPU. */
  SERVER_PROCESSES: integerVar(0, 64, 1),
  LOG_LEVEL: logLevelVar,
  /** Server API keys, comma-separated; each may do everything. */
  API_KEYS: listOf(
    z.string().regex(/^[\x21-\x7e]{16,256}$/, {
      error: 'each key must be 16 to 256 printable characters without spaces or commas',
    }),
  ),
  /** HS256 secret of user tokens; without it only API keys are accepted. */
  JWT_SECRET: z.preprocess(
    blankAsUnset,
    z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
  ),
  /** Requests per minute per user token (0 = unlimited). */
  RATE_LIMIT_USER_PER_MINUTE: integerVar(0, 1_000_000, 600),
  /** Requests per minute per server API key (0 = unlimited). */
  RATE_LIMIT_SERVER_PER_MINUTE: integerVar(0, 100_000_000, 0),
  /** Failed authentications per minute per client address before it is refused (0 = unlimited). */
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: integerVar(0, 1_000_000, 30),
  /** Demo mode: `/demo` mints short-lived user tokens for the demo users (needs JWT_SECRET). */
  DEMO: flagVar,
  /** Messages held for a live subscriber that is not reading, before it is cut off (resumable). */
  WATCH_BUFFER_MAX: integerVar(1, 1_000_000, 1000),
  /** Seconds between keep-alive comments on the REST event stream. */
  WATCH_KEEPALIVE_SECONDS: integerVar(1, 3600, 15),
  /** The built web app served at `/`; unset = apps/web/dist. */
  WEB_APP_DIR: z.preprocess(blankAsUnset, z.string().optional()),
  /** Origins allowed to call the API from browsers, comma-separated; empty = none. */
  CORS_ORIGINS: listOf(
    z
      .string()
      .regex(/^https?:\/\/[^\s/,]+$/, { error: 'each origin must be like https://host:port' }),
  ),
});

export type ServerEnv = z.output<typeof serverEnvSchema>;
