import type { StaleRedisReport } from '@tideline/feeds';
import type { Logger } from 'pino';

/**
 * Logs what a Redis freshness check found. An empty Redis without a marker (a fresh
 * install, a FLUSHALL, a restart without persistence) is routine; feed keys dropped
 * because Redis was older than the log mean feeds were served stale until now — and that
 * Redis persistence can bring old state back (see `pnpm feed doctor`).
 */
export function logStaleRedis(logger: Logger, report: StaleRedisReport): void {
  if (report.droppedKeys === 0) {
    logger.info(
      { marker: report.marker ?? null, required: report.required ?? null },
      'redis had no feed state to vouch for; marked it as matching the event log',
    );
    return;
  }
  logger.warn(
    {
      marker: report.marker ?? null,
      required: report.required ?? null,
      droppedKeys: report.droppedKeys,
    },
    'redis holds older feed state than the event log (restored from a snapshot, a lagging replica, or keys without a marker); dropped its feed keys, feeds regenerate from PostgreSQL on their next read',
  );
}
