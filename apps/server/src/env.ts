import {
  integerVar,
  logLevelVar,
  parseEnv,
  postgresProtocols,
  redisProtocols,
  urlVar,
} from '@tideline/config';
import { z } from 'zod';

const schema = z.object({
  DATABASE_URL: urlVar(
    postgresProtocols,
    'postgres://user@host:5432/tideline',
    'postgres://postgres@127.0.0.1:5432/tideline',
  ),
  REDIS_URL: urlVar(redisProtocols, 'redis://host:6379', 'redis://127.0.0.1:6379'),
  PORT: integerVar(1, 65535, 3000),
  LOG_LEVEL: logLevelVar,
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
  return parseEnv(schema, source);
}
