import { randomBytes } from 'node:crypto';
import { migrateToLatest } from '@tideline/event-store';
import { defaultFeedsConfig, type FeedsConfig, feedMigrations } from '@tideline/feeds';
import { Redis } from 'ioredis';
import type { Figure } from '../report.js';
import { round } from '../stats.js';
import type { SuiteContext } from './event-store.js';
import {
  edgeCount,
  generateGraph,
  graphShape,
  proportionalShape,
  threshold,
} from './fanout-data.js';
import { deliveryFigures } from './fanout-deliveries.js';
import { publishLatencyFigures } from './fanout-latency.js';
import { proportionalReadFigures, readFigures } from './fanout-reads.js';
import { rebuildFigures } from './fanout-rebuild.js';
import { deleteKeys } from './fanout-util.js';

export interface FanoutSuiteContext extends SuiteContext {
  /** For the projector consumer's own (LISTEN) connection. */
  connectionString: string;
  redisUrl: string;
}

/**
 * Hybrid fan-out on a generated Zipf graph (docs/product.md §9): write fan-out deliveries/s against
 * pipelined ZADD, publish → every follower's timeline latency, timeline reads against the
 * naive SQL query, Redis bytes per timeline entry, and rebuild (projector replay) events/s.
 * Then a second dataset next to the first — the same graph, posting in proportion to
 * followers — and the timeline read against the naive query on it.
 */
export async function fanoutSuite(ctx: FanoutSuiteContext): Promise<Figure[]> {
  const { db, quick, progress } = ctx;
  await migrateToLatest(db, feedMigrations);
  const shape = graphShape(quick);
  const config: FeedsConfig = {
    ...defaultFeedsConfig,
    fanoutThreshold: threshold(shape),
    redisPrefix: `bench:${randomBytes(4).toString('hex')}:`,
  };
  const redis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: 3 });
  const figures: Figure[] = [];
  try {
    progress(
      `fan-out: generating ${shape.users} users, ${shape.activities} activities, ` +
        `${edgeCount(shape)} follow edges (Zipf s=1, top author ${shape.zipfC} followers, ` +
        `FANOUT_THRESHOLD ${config.fanoutThreshold})`,
    );
    const start = performance.now();
    const generated = await generateGraph(db, shape, progress);
    const seconds = (performance.now() - start) / 1000;
    progress(
      `fan-out: generated ${generated.events} events + read models in ${seconds.toFixed(1)}s`,
    );
    figures.push({
      name: 'fan-out graph generation (log + read models, set-based INSERT)',
      value: Math.round(generated.events / seconds),
      unit: 'events/s',
      better: 'higher',
    });

    figures.push(...(await deliveryFigures({ redis, config, quick, progress })));
    figures.push(...(await readFigures({ db, redis, config, shape, quick, progress })));
    figures.push(
      ...(await publishLatencyFigures({
        db,
        redis,
        config,
        shape,
        quick,
        progress,
        connectionString: ctx.connectionString,
        redisUrl: ctx.redisUrl,
      })),
    );
    await deleteKeys(redis, config.redisPrefix);
    figures.push(
      ...(await rebuildFigures({ db, redis, config, quick, progress, after: generated.before })),
    );

    // Every figure above is on the uniform data; this one adds `p` feeds beside it.
    const proportional = proportionalShape(quick);
    progress(
      `fan-out: generating the posting ∝ followers dataset: ${proportional.activities} ` +
        `activities over the same ${proportional.users}-author graph (user:p<k>), ` +
        `${edgeCount(proportional)} follow edges`,
    );
    const secondStart = performance.now();
    const second = await generateGraph(db, proportional, progress);
    progress(
      `fan-out: generated ${second.events} events + read models in ` +
        `${((performance.now() - secondStart) / 1000).toFixed(1)}s`,
    );
    figures.push(
      ...(await proportionalReadFigures({
        db,
        redis,
        config,
        shape: proportional,
        quick,
        progress,
      })),
    );
  } finally {
    const deleted = await deleteKeys(redis, config.redisPrefix);
    progress(`fan-out: deleted ${deleted} bench keys from Redis`);
    redis.disconnect();
  }
  return figures.map((figure) => ({ ...figure, value: round(figure.value, 3) }));
}
