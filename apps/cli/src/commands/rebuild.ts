import { createConsumer, readCheckpoint } from '@tideline/event-store';
import { feedProjector, resetRedisFeeds } from '@tideline/fanout';
import pg from 'pg';
import { closeAll, connectDatabase, connectRedis } from '../connections.js';
import type { Target } from '../env.js';
import type { Output } from '../output.js';

/** The consumers `rebuild` knows; the worker runs the same ones. */
export const rebuildableConsumers = ['feeds'] as const;

/**
 * Rebuilds a projection from the log: refuses if a worker holds the consumer's lock,
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
  await refuseWhileLocked(target.databaseUrl, consumerName);
  const db = connectDatabase(target.databaseUrl);
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
 * Takes and releases the consumer's advisory lock (the key createConsumer uses). A worker
 * holding it would keep projecting, in non-replay mode, while the tables are reset under it.
 */
async function refuseWhileLocked(databaseUrl: string, consumerName: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    const key = `tideline-consumer:${consumerName}`;
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked',
      [key],
    );
    if (!rows[0]?.locked) {
      throw new Error(
        `a worker is running the ${consumerName} consumer (it holds its lock); stop every worker, then run rebuild again`,
      );
    }
    await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]);
  } finally {
    await client.end().catch(() => {});
  }
}
