import { type FanoutJob, feedKeys, processFanoutJob } from '@tideline/fanout';
import type { FeedsConfig } from '@tideline/feeds';
import type { Redis } from 'ioredis';
import type { Figure } from '../report.js';
import { elapsedMs } from '../stats.js';
import { range } from './fanout-data.js';
import { deleteKeys, newActivityId, runConcurrent } from './fanout-util.js';

/** One worker's job slots: createFanoutWorker's default concurrency. */
const SLOTS = 8;
const FOLLOWERS = 10_000;
const AUTHOR = 'user:bench_fanout';
/** A guard as the projector writes it: cutoff "everything", the edge's FeedFollowed position. */
const GUARD = `||${'0'.repeat(15)}1${'0'.repeat(15)}1`;

interface Delivery {
  followers: string[];
  id: string;
  timeMs: number;
}

/**
 * Write fan-out throughput with one worker: `activities` deliver jobs per batch of
 * `fanoutBatchSize` followers, run by processFanoutJob (the worker's job body) with
 * SLOTS jobs in flight, into FOLLOWERS live timelines. The baseline writes the same
 * (key, score, member) triples with plain pipelined ZADD in the same batches and
 * concurrency — no scripts, no guard, no tombstone check.
 */
export async function deliveryFigures({
  redis,
  config,
  quick,
  progress,
}: {
  redis: Redis;
  config: FeedsConfig;
  quick: boolean;
  progress(message: string): void;
}): Promise<Figure[]> {
  const prefix = `${config.redisPrefix}deliver:`;
  const local: FeedsConfig = { ...config, redisPrefix: prefix };
  const followers = range(1, FOLLOWERS).map((n) => `timeline:bench${n}`);
  const keys = followers.map((feed) => feedKeys(prefix, feed));
  const ttl = config.fanoutActiveDays * 24 * 3600;
  const live = redis.pipeline();
  for (const key of keys) live.set(key.live, '1', 'EX', ttl).hset(key.fow, AUTHOR, GUARD);
  await live.exec();

  const batchesOf = (activities: number): Delivery[] => {
    const out: Delivery[] = [];
    for (let a = 0; a < activities; a += 1) {
      const timeMs = Date.now() - 60_000 + a;
      const id = newActivityId(timeMs);
      for (let i = 0; i < followers.length; i += config.fanoutBatchSize) {
        out.push({ followers: followers.slice(i, i + config.fanoutBatchSize), id, timeMs });
      }
    }
    return out;
  };
  const deliveriesOf = (work: readonly Delivery[]) =>
    work.reduce((sum, d) => sum + d.followers.length, 0);

  const tideline = async (work: readonly Delivery[]) => {
    let delivered = 0;
    const start = performance.now();
    await runConcurrent(work, SLOTS, async (d) => {
      const job: FanoutJob = {
        kind: 'deliver',
        author: AUTHOR,
        id: d.id,
        timeMs: d.timeMs,
        followers: d.followers,
      };
      const changed = await processFanoutJob(redis, local, job);
      delivered += changed;
    });
    const rate = deliveriesOf(work) / (elapsedMs(start) / 1000);
    if (delivered !== deliveriesOf(work)) {
      throw new Error(`fan-out delivered ${delivered} of ${deliveriesOf(work)}`);
    }
    return rate;
  };
  const zadd = async (work: readonly Delivery[]) => {
    const start = performance.now();
    await runConcurrent(work, SLOTS, async (d) => {
      const pipeline = redis.pipeline();
      for (const feed of d.followers) pipeline.zadd(feedKeys(prefix, feed).tl, d.timeMs, d.id);
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed?.[0]) throw failed[0];
    });
    return deliveriesOf(work) / (elapsedMs(start) / 1000);
  };
  const clearTimelines = async () => {
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.del(key.tl, key.trim);
    await pipeline.exec();
  };

  const activities = quick ? 20 : 100;
  progress(
    `fan-out deliveries: warming up, then ${activities} activities × ${FOLLOWERS} live timelines ` +
      `(${activities * FOLLOWERS} deliveries, jobs of ${config.fanoutBatchSize}, ${SLOTS} in flight), twice each`,
  );
  await tideline(batchesOf(2));
  await zadd(batchesOf(2));
  await clearTimelines();
  const rates = { tideline: 0, zadd: 0 };
  for (let round = 0; round < 2; round += 1) {
    rates.zadd = Math.max(rates.zadd, await zadd(batchesOf(activities)));
    await clearTimelines();
    rates.tideline = Math.max(rates.tideline, await tideline(batchesOf(activities)));
    if (round === 0) await clearTimelines();
  }
  progress(
    `fan-out deliveries: ${Math.round(rates.tideline)}/s (pipelined ZADD ${Math.round(rates.zadd)}/s)`,
  );

  // Memory of small timelines as fan-out leaves them (listpack up to 128 entries).
  const sample = keys.slice(0, 20);
  let bytes = 0;
  let entries = 0;
  let encoding = '';
  for (const key of sample) {
    bytes += Number(await redis.call('MEMORY', 'USAGE', key.tl, 'SAMPLES', '0'));
    entries += await redis.zcard(key.tl);
    encoding = String(await redis.call('OBJECT', 'ENCODING', key.tl));
  }
  await deleteKeys(redis, prefix);
  return [
    {
      name: 'fan-out deliveries, one worker (processFanoutJob, 8 jobs in flight)',
      value: Math.round(rates.tideline),
      unit: 'deliveries/s',
      better: 'higher',
      baseline: Math.round(rates.zadd),
      target: 150_000,
      targetOn: 'value',
    },
    {
      name: `Redis bytes per timeline entry, ${Math.round(entries / sample.length)}-entry tl (${encoding})`,
      value: bytes / entries,
      unit: 'B/entry',
      better: 'lower',
    },
  ];
}
