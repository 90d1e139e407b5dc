import { inheritedEnv as inherit, parseEnv } from '@tideline/config';
import { type WorkerEnv, workerEnvSchema } from '@tideline/process-env';

export type { WorkerEnv };

/**
 * Reads and validates the worker's configuration; throws one line per bad variable.
 *
 * @example
 * loadEnv({ WORKER_ID: '2' }).WORKER_ID; // '2'
 */
export function loadEnv(
  source: Readonly<Record<string, string | undefined>> = process.env,
): WorkerEnv {
  return parseEnv(workerEnvSchema, source);
}

/**
 * This process's environment plus `overrides`, for starting another process (tests start
 * the worker this way). Lives here because nothing but env.ts reads `process.env`.
 */
export function inheritedEnv(overrides: Readonly<Record<string, string>>): Record<string, string> {
  return inherit(overrides, process.env);
}
