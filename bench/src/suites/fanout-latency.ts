import { createConsumer, readCheckpoint } from '@tideline/event-store';
import { createFanoutQueue, createFanoutWorker, type FanoutJob, feedKeys } from '@tideline/fanout';
import { addActivity, appliedMarkerKey, feedProjector } from '@tideline/feeds';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { Figure } from '../report.js';
import { percentile, round } from '../stats.js';
import { author, followersOfRank } from './fanout-data.js';
import type { GraphFigureContext } from './fanout-util.js';

const WORKER_CONCURRENCY = 8;
const SAMPLE_TIMEOUT_MS = 30_000;

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Publish → present in every follower's timeline, through the real stack: `addActivity`
 * appends, the feed projector (an event-store consumer woken by NOTIFY) queues deliver
 * jobs on BullMQ, one fan-out worker (concurrency 8) runs them. The clock stops when the
 * worker reports the job that completes the last follower (jobs report how many timelines
 * they changed); then, untimed, every follower's `tl` is checked to hold the activity.
 */
export async function publishLatencyFigures({
  db,
  redis,
  config,
  shape,
  quick,
  progress,
  connectionString,
  redisUrl,
}: GraphFigureContext & { connectionString: string; redisUrl: string }): Promise<Figure[]> {
  // Rank 21 sits exactly at the threshold: the largest author still fanned out on write.
  const authors = [
    { rank: 21, samples: quick ? 5 : 20 },
    { rank: 210, samples: quick ? 5 : 20 },
  ];
  const bull = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = createFanoutQueue({ connection: bull, config });
  const consumer = createConsumer({
    db,
    connectionString,
    projection: feedProjector({ redis, queue, config }),
    startFrom: 'end',
  });
  const worker = createFanoutWorker({
    connection: bull,
    redis,
    config,
    concurrency: WORKER_CONCURRENCY,
  });
  const delivered = new Map<string, number>();
  const needed = new Map<string, number>();
  const doneAt = new Map<string, number>();
  worker.on('completed', (job: Job<FanoutJob, number>, result: number) => {
    const now = performance.now();
    if (job.data.kind !== 'deliver') return;
    const count = (delivered.get(job.data.id) ?? 0) + result;
    delivered.set(job.data.id, count);
    const need = needed.get(job.data.id);
    if (need !== undefined && count >= need && !doneAt.has(job.data.id)) {
      doneAt.set(job.data.id, now);
    }
  });
  worker.on('failed', (job, error) => progress(`  fan-out job ${job?.id} failed: ${error}`));
  const figures: Figure[] = [];
  try {
    consumer.start();
    await until(
      async () => (await readCheckpoint(db, 'feeds')) !== undefined,
      10_000,
      'the projector',
    );
    for (const { rank, samples } of authors) {
      const feed = author(rank);
      const edges = await sql<{ source: string; followed_position: string }>`
        SELECT source, followed_position FROM follows WHERE target = ${feed}`.execute(db);
      const followers = edges.rows.map((row) => row.source);
      if (followers.length !== followersOfRank(shape, rank)) {
        throw new Error(`${feed} has ${followers.length} followers`);
      }
      // Live timelines with the guard for this edge, as regenerateFeed would write it.
      const ttl = config.fanoutActiveDays * 24 * 3600;
      const live = redis.pipeline();
      for (const row of edges.rows) {
        const keys = feedKeys(config.redisPrefix, row.source);
        live.set(keys.live, '1', 'EX', ttl).hset(keys.fow, feed, `||${row.followed_position}`);
      }
      // This Redis was filled by hand, not by the projector: vouch for it as a worker kept
      // in step would, or the projector's first batch drops it as older than the log.
      live.set(appliedMarkerKey(config.redisPrefix), (await readCheckpoint(db, 'feeds')) ?? '');
      await live.exec();
      progress(
        `publish latency: ${samples} posts by ${feed} (${followers.length} followers, 1 warm-up)`,
      );
      const latencies: number[] = [];
      for (let i = 0; i <= samples; i += 1) {
        const start = performance.now();
        const { activity } = await addActivity(db, feed, {
          actor: `u${rank}`,
          verb: 'post',
          object: `post:bench-${rank}-${i}`,
          extra: { caption: 'published during the latency benchmark' },
        });
        needed.set(activity.id, followers.length);
        if ((delivered.get(activity.id) ?? 0) >= followers.length) {
          doneAt.set(activity.id, performance.now());
        }
        await until(async () => doneAt.has(activity.id), SAMPLE_TIMEOUT_MS, 'fan-out');
        if (i > 0) latencies.push((doneAt.get(activity.id) ?? 0) - start);
        const check = redis.pipeline();
        for (const follower of followers) {
          check.zscore(feedKeys(config.redisPrefix, follower).tl, activity.id);
        }
        const missing = ((await check.exec()) ?? []).filter(([, score]) => score === null).length;
        if (missing > 0) throw new Error(`${activity.id} missing from ${missing} timelines`);
      }
      figures.push(
        {
          name: `publish → every follower's timeline p50, ${followers.length}-follower author`,
          value: round(percentile(latencies, 0.5), 1),
          unit: 'ms',
          better: 'lower',
        },
        {
          name: `publish → every follower's timeline p99, ${followers.length}-follower author`,
          value: round(percentile(latencies, 0.99), 1),
          unit: 'ms',
          better: 'lower',
          ...(rank === 21 ? { target: 250 } : {}),
        },
      );
      progress(
        `publish latency: ${feed} p50 ${round(percentile(latencies, 0.5), 1)} ms, ` +
          `p99 ${round(percentile(latencies, 0.99), 1)} ms`,
      );
    }
  } finally {
    await consumer.stop();
    await worker.close();
    await queue.close();
    bull.disconnect();
  }
  return figures;
}
