import { parseEnv } from '@tideline/config';
import { type ServerEnv, serverEnvSchema } from '@tideline/process-env';

export type { ServerEnv };

/**
 * Reads and validates the API server's configuration; throws one line per bad variable.
 *
 * @example
 * loadEnv({ PORT: '8080' }).PORT; // 8080
 */
export function loadEnv(
  source: Readonly<Record<string, string | undefined>> = process.env,
): ServerEnv {
  return parseEnv(serverEnvSchema, source);
}
