import { startRedisServer } from '@tideline/fanout/testing';
import { Redis } from 'ioredis';
import type { Figure } from '../report.js';
import { round } from '../stats.js';

const TIMELINES = 10_000;
const BATCH = 500;
const IN_FLIGHT = 8;

type Variant = {
  name: string;
  flags: string;
  /** Also PUBLISH once per delivery (a push per follower from the fan-out worker). */
  publishEach?: boolean;
  /** Channels a listening server process subscribes to. */
  listen?: (keys: readonly string[]) => string[];
};

const variants: Variant[] = [
  { name: 'shipped (Exe)', flags: 'Exe' },
  {
    name: 'keyevent zadd notifications (Exez), one process listening',
    flags: 'Exez',
    listen: () => ['__keyevent@0__:zadd'],
  },
  {
    name: 'keyspace notifications (Kz), one process listening to 1% of timelines',
    flags: 'Kxez',
    listen: (keys) => keys.filter((_, i) => i % 100 === 0).map((k) => `__keyspace@0__:${k}`),
  },
  { name: 'PUBLISH per delivery (Exe)', flags: 'Exe', publishEach: true },
];

/**
 * The measurement behind docs/realtime.md's choice: timeline writes as write fan-out does
 * them (pipelined ZADDs into 10,000 timelines, batches of 500, 8 in flight), on a private
 * redis-server, with the shipped notification flags and with the alternatives that
 * would turn each write into a push. Deliveries per second of each: best of three
 * interleaved rounds after a warm-up.
 */
export async function keyspaceFigures(ctx: {
  quick: boolean;
  progress: (line: string) => void;
}): Promise<Figure[]> {
  const deliveries = ctx.quick ? 100_000 : 400_000;
  const server = await startRedisServer();
  const redis = new Redis(server.url);
  const listener = new Redis(server.url);
  const keys = Array.from({ length: TIMELINES }, (_, i) => `rt:{timeline:k${i}}:tl`);
  const figures: Figure[] = [];
  const best = new Map<Variant, { perSecond: number; heard: number }>();
  try {
    // A warm-up pass, then the variants interleaved round by round: the machine's drift
    // (and the other suites' leftovers) lands on every variant alike.
    await deliver(redis, keys, deliveries, false);
    for (let round = 0; round < 3; round += 1) {
      for (const variant of variants) {
        await redis.flushdb();
        await redis.config('SET', 'notify-keyspace-events', variant.flags);
        let heard = 0;
        const onMessage = () => {
          heard += 1;
        };
        const channels = variant.listen?.(keys) ?? [];
        listener.on('message', onMessage);
        if (channels.length > 0) await listener.subscribe(...channels);
        const start = performance.now();
        await deliver(redis, keys, deliveries, variant.publishEach === true);
        const perSecond = deliveries / ((performance.now() - start) / 1000);
        if (channels.length > 0) await listener.unsubscribe(...channels);
        listener.off('message', onMessage);
        if (perSecond > (best.get(variant)?.perSecond ?? 0))
          best.set(variant, { perSecond, heard });
      }
    }
    const baseline = Math.round(best.get(variants[0] as Variant)?.perSecond ?? Number.NaN);
    for (const variant of variants) {
      const result = best.get(variant) ?? { perSecond: Number.NaN, heard: 0 };
      const value = Math.round(result.perSecond);
      ctx.progress(
        `realtime: timeline writes, ${variant.name}: ${value} deliveries/s` +
          (variant.listen ? `, ${result.heard} notifications to the listener` : ''),
      );
      figures.push({
        name: `timeline writes, ${variant.name}`,
        value,
        unit: 'deliveries/s',
        better: 'higher',
        ...(variant === variants[0] ? {} : { baseline, ratio: round(value / baseline, 3) }),
      });
    }
  } finally {
    redis.disconnect();
    listener.disconnect();
    await server.stop();
  }
  return figures;
}

async function deliver(
  redis: Redis,
  keys: readonly string[],
  deliveries: number,
  publishEach: boolean,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < deliveries) {
      const from = next;
      next += BATCH;
      const pipeline = redis.pipeline();
      for (let i = from; i < Math.min(from + BATCH, deliveries); i += 1) {
        const key = keys[i % keys.length] ?? '';
        pipeline.zadd(key, i, `a${i}`);
        if (publishEach) pipeline.publish(`rt:feed:${key}`, `a${i}`);
      }
      await pipeline.exec();
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}
