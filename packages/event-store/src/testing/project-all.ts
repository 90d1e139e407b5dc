import type { Kysely } from 'kysely';
import { hasCaughtUp } from '../checkpoints.js';
import { defaultRetryPolicy, processBatch } from '../process-batch.js';
import type { Projection } from '../projection.js';
import { waitFor } from './wait-for.js';

/**
 * Runs `projection` batch by batch until it has applied `limit` more events, or the whole
 * log. A batch of 0 does not mean the end: the gap-safe read withholds events while any
 * older transaction in the cluster is open (another test file's, say), so this keeps
 * trying until the checkpoint reaches the log's head instead of stopping early. Returns
 * how many events it applied.
 *
 * @example
 * await projectAll(db, feedProjector({ …, replay: true }));
 */
export async function projectAll(
  db: Kysely<unknown>,
  projection: Projection<unknown>,
  options: { batchSize?: number; limit?: number; timeoutMs?: number } = {},
): Promise<number> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  let moved = 0;
  const step = async () => {
    const n = await processBatch(db, projection, {
      batchSize: Math.min(options.batchSize ?? 100, limit - moved),
      startFrom: 'beginning',
      retry: defaultRetryPolicy,
    });
    moved += n;
    return n;
  };
  while (moved < limit) {
    if ((await step()) > 0) continue;
    if (await hasCaughtUp(db, projection.name)) break;
    await waitFor(async () => (await step()) > 0 || (await hasCaughtUp(db, projection.name)), {
      timeoutMs: options.timeoutMs ?? 30_000,
      message: `${projection.name} to reach the end of the log`,
    });
  }
  return moved;
}
