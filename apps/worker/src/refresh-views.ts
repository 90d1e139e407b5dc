import { setTimeout as sleep } from 'node:timers/promises';
import { type FeedsConfig, refreshAuthorEntries } from '@tideline/feeds';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';

export interface ViewRefreshDependencies {
  db: Kysely<unknown>;
  config: FeedsConfig;
  /** MATERIALIZED_VIEW_REFRESH_SECONDS; 0 disables refreshing. */
  intervalSeconds: number;
  logger: Logger;
  /** Aborted on shutdown; a refresh in progress finishes first. */
  signal: AbortSignal;
}

/**
 * Keeps the `author_recent_entries` materialized view at most `intervalSeconds` (plus one
 * refresh's duration) behind while any worker runs: each worker wakes when the view falls
 * due, and the one that takes the advisory lock refreshes it CONCURRENTLY; the others find
 * it busy or already fresh. Reads stay exact however old the view is; a failed refresh is
 * logged and tried again an interval later.
 *
 * @example
 * await refreshViewsPeriodically({ db, config, intervalSeconds: 30, logger, signal });
 */
export async function refreshViewsPeriodically(deps: ViewRefreshDependencies): Promise<void> {
  const { db, config, logger, signal } = deps;
  if (deps.intervalSeconds === 0) {
    logger.info('materialized view refresh disabled (MATERIALIZED_VIEW_REFRESH_SECONDS=0)');
    return;
  }
  const intervalMs = deps.intervalSeconds * 1000;
  while (!signal.aborted) {
    let waitMs = intervalMs;
    try {
      const result = await refreshAuthorEntries(db, {
        depth: config.timelineMax,
        minFollowers: config.fanoutThreshold,
        intervalMs,
      });
      if (result.status === 'refreshed') {
        logger.info(
          {
            view: 'author_recent_entries',
            durationMs: result.durationMs,
            entries: result.entries,
            position: result.position,
          },
          'materialized view refreshed',
        );
      }
      waitMs = result.dueInMs;
    } catch (error) {
      logger.warn(
        { err: error, view: 'author_recent_entries' },
        'materialized view refresh failed',
      );
    }
    await sleep(Math.max(waitMs, 100), undefined, { signal }).catch(() => undefined);
  }
}
