import type { z } from 'zod';

/** Thrown by `parseEnv`; `problems` holds one line per bad variable. */
export class InvalidEnvError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.join('\n')}`);
    this.name = 'InvalidEnvError';
  }
}

/**
 * Validates an environment against an app's schema, or throws one line per bad variable
 * naming it, what it expects and what it got.
 *
 * @example
 * const env = parseEnv(schema, process.env);
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  source: Readonly<Record<string, string | undefined>>,
): z.output<S> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  throw new InvalidEnvError(
    result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(environment)');
      return `${name}: ${issue.message} (got ${JSON.stringify(source[name])})`;
    }),
  );
}

/**
 * An environment for a child process: `source` (unset values dropped) plus `overrides`.
 *
 * @example
 * spawn(node, [file], { env: inheritedEnv({ PORT: '3001' }, process.env) });
 */
export function inheritedEnv(
  overrides: Readonly<Record<string, string>>,
  source: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) if (value !== undefined) env[name] = value;
  return { ...env, ...overrides };
}
