import { allChecks, type CheckResult, runChecks } from '../checks/index.js';
import { closeAll, connectDatabase, connectRedis } from '../connections.js';
import type { Target } from '../env.js';
import { formatResult, type Output } from '../output.js';
import { readRedisConf } from '../redis-conf.js';

/**
 * Runs every check against the target and prints one line each; the caller exits 1 when
 * any failed. Warnings do not fail.
 *
 * @example
 * const { failed } = await doctor(target, output);
 */
export async function doctor(
  target: Target,
  output: Output,
): Promise<{ results: CheckResult[]; failed: number }> {
  const db = connectDatabase(target.databaseUrl);
  const redis = connectRedis(target.redisUrl);
  try {
    const results = await runChecks(allChecks, {
      db,
      redis,
      redisConf: await readRedisConf(),
      groups: target.config.groups,
    });
    for (const result of results) output.line(formatResult(result));
    const failed = results.filter((r) => r.status === 'fail').length;
    const warned = results.filter((r) => r.status === 'warn').length;
    output.line(
      failed > 0
        ? `doctor: ${failed} check(s) failed, ${warned} warning(s)`
        : `doctor: all ${results.length} checks passed${warned ? `, ${warned} warning(s)` : ''}`,
    );
    return { results, failed };
  } finally {
    await closeAll(db, redis);
  }
}
