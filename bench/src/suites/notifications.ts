import { migrateToLatest, type Projection, processBatch } from '@tideline/event-store';
import { projectAll } from '@tideline/event-store/testing';
import {
  addActivities,
  createAggregatedReader,
  defaultFeedsConfig,
  feedMigrations,
  feedProjector,
  follow,
  markFeed,
} from '@tideline/feeds';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { type Figure, latencyFigures } from '../report.js';
import { elapsedMs } from '../stats.js';

const FEED = 'notification:bench_user';
/** Follows the notifier, so the same notifications reach it through a follow edge. */
const FOLLOWING = 'notification:bench_follower';

/**
 * Notification feeds: a user with 10,000 notifications (likes, comments and follows of 50
 * objects by 500 people over 3 days, so a few hundred groups of about 20), read a
 * 25-group page at a time, and marked all seen; and the same notifications read through a
 * feed that follows the notifier, whose groups are computed at read time. The projector
 * runs in-process in replay mode (PostgreSQL only: notification reads come from PostgreSQL).
 */
export async function notificationsSuite({
  db,
  redisUrl,
  quick,
  progress,
}: {
  db: Kysely<unknown>;
  redisUrl: string;
  quick: boolean;
  progress(message: string): void;
}): Promise<Figure[]> {
  await migrateToLatest(db, feedMigrations);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const config = { ...defaultFeedsConfig, redisPrefix: `bench-notifications:${Date.now()}:` };
  const projection: Projection<unknown> = {
    ...feedProjector({ redis, queue: { enqueue: async () => {} }, config, replay: true }),
    name: 'bench-notifications',
  };
  const batch = {
    batchSize: 2000,
    startFrom: 'end' as const,
    retry: { attempts: 1, initialDelayMs: 0, maxDelayMs: 0 },
  };
  const catchUp = async () => {
    // The first batch sets the checkpoint at the end of what is already there; then on
    // to the log's head, waiting out events an open transaction elsewhere still withholds
    // (a bare loop stops at the first empty read and leaves the mark unapplied).
    await processBatch(db, projection, batch);
    await projectAll(db, projection, { batchSize: batch.batchSize });
  };
  try {
    await catchUp(); // the checkpoint starts at the end of what is already there
    await follow(db, { source: FOLLOWING, target: 'user:bench_notifier' });
    const count = quick ? 2_000 : 10_000;
    progress(`notifications: adding ${count} notifications to ${FEED}`);
    const start = Date.parse('2024-05-01T00:00:00Z');
    for (let i = 0; i < count; i += 100) {
      await addActivities(
        db,
        'user:bench_notifier',
        Array.from({ length: Math.min(100, count - i) }, (_, j) => {
          const n = i + j;
          return {
            actor: `fan${(n * 7919) % 500}`,
            verb: ['like', 'comment', 'follow'][n % 3] ?? 'like',
            object: `photo:${(n * 104729) % 50}`,
            time: new Date(start + ((n * 2_654_435_761) % (3 * 86_400_000))).toISOString(),
            to: [FEED],
          };
        }),
      );
    }
    await catchUp();
    const reader = createAggregatedReader({ db, config });
    const first = await reader.readGroups(FEED);
    progress(`notifications: ${first.unseen} groups; timing reads`);
    const timeReads = async (feed: string) => {
      for (let i = 0; i < 10; i += 1) await reader.readGroups(feed);
      const times: number[] = [];
      for (let i = 0; i < (quick ? 50 : 200); i += 1) {
        const t = performance.now();
        await reader.readGroups(feed, { limit: 25 });
        times.push(elapsedMs(t));
      }
      return times;
    };
    const reads = await timeReads(FEED);
    const followedReads = await timeReads(FOLLOWING);

    progress('notifications: timing mark-all');
    const appends: number[] = [];
    const reflected: number[] = [];
    for (let i = 0; i < (quick ? 10 : 30); i += 1) {
      // Make the feed unseen again, then mark it all seen.
      await addActivities(db, 'user:bench_notifier', [
        {
          actor: 'fan1',
          verb: 'like',
          object: `photo:${i}`,
          time: new Date().toISOString(),
          to: [FEED],
        },
      ]);
      await catchUp();
      const t = performance.now();
      await markFeed(db, FEED, { seen: true });
      appends.push(elapsedMs(t));
      await catchUp();
      const after = await reader.readGroups(FEED, { limit: 1 });
      if (after.unseen !== 0) throw new Error(`mark-all left ${after.unseen} unseen groups`);
      reflected.push(elapsedMs(t));
    }
    return [
      ...latencyFigures(
        (q) => `notification page read ${q} (25 groups of ${first.unseen}, ${count} notifications)`,
        reads,
      ),
      ...latencyFigures(
        (q) =>
          `notification page read ${q}, same notifications through a follow edge (grouped at read time)`,
        followedReads,
      ),
      ...latencyFigures((q) => `mark all seen, append ${q}`, appends),
      ...latencyFigures(
        (q) => `mark all seen → reflected in reads ${q} (projector in-process)`,
        reflected,
      ),
    ];
  } finally {
    redis.disconnect();
  }
}
