import type { FeedGroupConfig } from '@tideline/domain';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';

export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One line of a doctor report: what was checked, how it went, and the fix if it did not. */
export interface CheckResult {
  name: string;
  status: CheckStatus;
  message: string;
}

/**
 * What the checks read: a database handle, a Redis client, infra/redis.conf's directives,
 * and the configured feed groups (FEED_GROUPS).
 */
export interface CheckContext {
  db: Kysely<unknown>;
  redis: Redis;
  redisConf: ReadonlyMap<string, string>;
  groups: readonly FeedGroupConfig[];
}

/** A check is data: a name and a function, so the list can be printed, filtered and tested. */
export interface Check {
  name: string;
  run(context: CheckContext): Promise<CheckResult>;
}

export const ok = (name: string, message: string): CheckResult => ({
  name,
  status: 'ok',
  message,
});
export const warn = (name: string, message: string): CheckResult => ({
  name,
  status: 'warn',
  message,
});
export const fail = (name: string, message: string): CheckResult => ({
  name,
  status: 'fail',
  message,
});

/** An error's message on one line (multi-line messages, like env errors, are joined). */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error);
  return text
    .split('\n')
    .map((part) => part.trim())
    .filter(Boolean)
    .join(' ');
}

/**
 * Runs every check in order; a check that throws (PostgreSQL or Redis unreachable, say)
 * becomes a `fail` naming the error, so one broken dependency never hides the others.
 *
 * @example
 * const results = await runChecks(allChecks, context);
 */
export async function runChecks(
  checks: readonly Check[],
  context: CheckContext,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    try {
      results.push(await check.run(context));
    } catch (error) {
      const hint = check.name.startsWith('redis')
        ? 'check REDIS_URL and that Redis runs'
        : 'check DATABASE_URL and that PostgreSQL runs (a missing database: run `pnpm feed init`)';
      results.push(fail(check.name, `${describeError(error)}; ${hint}`));
    }
  }
  return results;
}
