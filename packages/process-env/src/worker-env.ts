import { blankAsUnset, integerVar, logLevelVar, serviceUrlsShape } from '@tideline/config';
import { feedsEnvShape } from '@tideline/feeds';
import { z } from 'zod';

/** What a worker (apps/worker) reads. */
export const workerEnvSchema = z.object({
  ...feedsEnvShape,
  /** Fan-out jobs one worker process runs at once. */
  FANOUT_CONCURRENCY: integerVar(1, 256, 8),
  /** How often the `author_recent_entries` materialized view is refreshed; 0 = never. */
  MATERIALIZED_VIEW_REFRESH_SECONDS: integerVar(0, 86_400, 30),
  /**
   * Lease of each projector's leadership: a stalled or cut-off leader is replaced within
   * about this, and a batch transaction may not sit idle longer.
   */
  PROJECTOR_LEASE_SECONDS: integerVar(2, 300, 5),
  ...serviceUrlsShape,
  LOG_LEVEL: logLevelVar,
  /** Tells workers apart in logs and `pg_stat_activity`; the launcher numbers them from 1. */
  WORKER_ID: z.preprocess(
    blankAsUnset,
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'expected letters, digits, _ or -' })
      .optional(),
  ),
});

export type WorkerEnv = z.output<typeof workerEnvSchema>;
