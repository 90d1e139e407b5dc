import type { EventStoreTables } from '@tideline/event-store';
import type { Redis } from 'ioredis';
import { type Kysely, sql } from 'kysely';

export type CheckResult = 'ok' | 'unavailable';

export interface Readiness {
  ready: boolean;
  checks: { postgres: CheckResult; redis: CheckResult };
}

/** A readiness probe must answer before the orchestrator's own timeout does. */
export const READINESS_TIMEOUT_MS = 1_000;

/**
 * Runs `select 1` on PostgreSQL and PING on Redis in parallel; each must succeed within
 * `timeoutMs`.
 *
 * @example
 * const { ready, checks } = await checkReadiness({ db, redis });
 */
export async function checkReadiness(
  deps: { db: Kysely<EventStoreTables>; redis: Redis },
  timeoutMs = READINESS_TIMEOUT_MS,
): Promise<Readiness> {
  const [postgres, redis] = await Promise.all([
    withinTimeout(sql`select 1`.execute(deps.db), timeoutMs),
    withinTimeout(deps.redis.ping(), timeoutMs),
  ]);
  return { ready: postgres === 'ok' && redis === 'ok', checks: { postgres, redis } };
}

async function withinTimeout(work: Promise<unknown>, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve('unavailable'), timeoutMs);
  });
  const outcome = work.then(
    (): CheckResult => 'ok',
    (): CheckResult => 'unavailable',
  );
  try {
    return await Promise.race([outcome, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
