import { createConsumer, readCheckpoint, readLease } from '@tideline/event-store';
import { feedProjector, resetRedisFeeds } from '@tideline/feeds';
import type { Kysely } from 'kysely';
import { closeAll, connectDatabase, connectRedis } from '../connections.js';
import type { Target } from '../env.js';
import type { Output } from '../output.js';

/** The consumers `rebuild` knows; the worker runs the same ones. */
export const rebuildableConsumers = ['feeds'] as const;

/**
 * Rebuilds a projection from the log: refuses if a worker holds the consumer's lease,
 * otherwise resets the read model and its checkpoint, replays the whole log in replay
 * mode (PostgreSQL only, no fan-out) with progress over the log's event count, then drops
 * the Redis feed keys so every timeline regenerates from the rebuilt tables on its next read,
 * and marks Redis as matching them (so a worker that starts next has nothing to drop).
 *
 * @example
 * await rebuild(target, 'feeds', output);
 */
export async function rebuild(
  target: Target,
  consumerName: string,
  output: Output,
): Promise<{ events: number; droppedKeys: number }> {
  if (!(rebuildableConsumers as readonly string[]).includes(consumerName)) {
    throw new Error(`unknown consumer ${consumerName}; known: ${rebuildableConsumers.join(', ')}`);
  }
  const db = connectDatabase(target.databaseUrl);
  try {
    await refuseWhileLeased(db, consumerName);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const redis = connectRedis(target.redisUrl);
  const errors: unknown[] = [];
  const parked: string[] = [];
  const consumer = createConsumer({
    db,
    connectionString: target.databaseUrl,
    projection: feedProjector({
      redis,
      config: target.config,
      replay: true,
      queue: { enqueue: async () => {} },
    }),
    idlePollMs: 200,
    onFailure: (failure) => {
      if (failure.parked) parked.push(failure.event.position);
    },
    onError: (error) => errors.push(error),
  });
  try {
    await redis.connect();
    await consumer.rebuild();
    const { lag: total } = await consumer.status();
    const bar = output.progress(`rebuild ${consumerName}`, total);
    consumer.start();
    try {
      for (;;) {
        const { lag } = await consumer.status();
        bar.update(total - lag);
        if (lag === 0 && (await readCheckpoint(db, consumerName)) !== undefined) break;
        if (errors.length > 0) throw errors[0];
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      bar.stop();
      await consumer.stop();
    }
    const droppedKeys = await resetRedisFeeds(db, redis, target.config);
    output.line(
      `rebuild: replayed ${total} events into ${consumerName}; dropped ${droppedKeys} Redis feed keys (timelines regenerate on their next read)`,
    );
    if (parked.length > 0) {
      output.line(
        `rebuild: ${parked.length} event(s) failed and were parked in dead_letters (first at ${parked[0]}); the read model lacks them`,
      );
    }
    return { events: total, droppedKeys };
  } finally {
    await closeAll(db, redis);
  }
}

/**
 * Refuses while a worker leads the consumer (its lease has not expired): it would keep
 * projecting, in non-replay mode, while the tables are reset under it. A worker that was
 * stopped uncleanly leaves a lease that expires within seconds.
 */
async function refuseWhileLeased(db: Kysely<unknown>, consumerName: string): Promise<void> {
  const lease = await readLease(db, consumerName);
  if (lease?.held) {
    throw new Error(
      `a worker is running the ${consumerName} consumer (${lease.owner} holds its lease); stop every worker, then run rebuild again`,
    );
  }
}
