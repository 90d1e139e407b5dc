import { InvalidEnvError, inheritedEnv, parseEnv } from '@tideline/config';
import { type LauncherEnv, launcherEnvSchema } from '@tideline/process-env';

export type { LauncherEnv };

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
  return parseEnv(launcherEnvSchema, source);
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
