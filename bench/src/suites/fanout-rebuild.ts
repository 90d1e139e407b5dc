import { type Position, type Projection, processBatch } from '@tideline/event-store';
import { dropFeedKeys } from '@tideline/fanout';
import { type FeedsConfig, feedProjector } from '@tideline/feeds';
import type { Redis } from 'ioredis';
import { type Kysely, sql } from 'kysely';
import type { Figure } from '../report.js';
import { elapsedMs } from '../stats.js';

/** The consumer's default batch size. */
const BATCH = 2000;

/**
 * Rebuild: the feed projector (PostgreSQL read models + Redis direct sets and body cache;
 * fan-out jobs go to a no-op queue) replays the generated log from its first event, in
 * consumer-sized batches through processBatch, after its read models were emptied — a
 * fixed prefix of the log, as the projector is far too slow to replay all of it here.
 */
export async function rebuildFigures({
  db,
  redis,
  config,
  quick,
  progress,
  after,
}: {
  db: Kysely<unknown>;
  redis: Redis;
  config: FeedsConfig;
  quick: boolean;
  progress(message: string): void;
  /** The log head before the generated events. */
  after: Position;
}): Promise<Figure[]> {
  const prefix = quick ? 20_000 : 200_000;
  // The projector is slow: stop early rather than blow the bench's time budget.
  const budgetMs = quick ? 15_000 : 150_000;
  // A rebuild replays into emptied read models with the feed keys dropped: PostgreSQL only.
  await dropFeedKeys(redis, config);
  const projector = feedProjector({
    redis,
    queue: { enqueue: async () => {} },
    config,
    replay: true,
  });
  const projection: Projection<unknown> = { ...projector, name: 'feeds-rebuild' };
  await db.transaction().execute(async (tx) => {
    await projection.reset?.({ tx });
  });
  progress(
    `rebuild: feed projector replaying the first ${prefix} events of the generated log ` +
      `(at most ${budgetMs / 1000}s)`,
  );
  let moved = 0;
  let lastReport = performance.now();
  const start = performance.now();
  while (moved < prefix && elapsedMs(start) < budgetMs) {
    const n = await processBatch(db, projection, {
      batchSize: Math.min(BATCH, prefix - moved),
      startFrom: after,
      retry: { attempts: 1, initialDelayMs: 0, maxDelayMs: 0 },
    });
    if (n === 0) break;
    moved += n;
    if (performance.now() - lastReport > 15_000) {
      lastReport = performance.now();
      progress(`  rebuild: ${moved} events, ${Math.round(moved / (elapsedMs(start) / 1000))}/s`);
    }
  }
  const rate = moved / (elapsedMs(start) / 1000);
  const parked = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM dead_letters WHERE consumer = 'feeds-rebuild'`.execute(db);
  if ((parked.rows[0]?.n ?? 0) > 0) {
    throw new Error(`rebuild parked ${parked.rows[0]?.n} events in dead_letters`);
  }
  const counts = await sql<{ activities: number; follows: number }>`
    SELECT (SELECT count(*)::int FROM feed_activities) AS activities,
           (SELECT count(*)::int FROM follows) AS follows`.execute(db);
  progress(
    `rebuild: ${moved} events at ${Math.round(rate)}/s → ${counts.rows[0]?.activities} activities, ` +
      `${counts.rows[0]?.follows} follows`,
  );
  return [
    {
      name: `rebuild: feed projector replay (replay mode), first ${moved} events (batches of ${BATCH})`,
      value: Math.round(rate),
      unit: 'events/s',
      better: 'higher',
      target: 50_000,
    },
  ];
}
