import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Consumer, createConsumer, hasCaughtUp, migrateToLatest } from '@tideline/event-store';
import {
  addActivity,
  defaultFeedsConfig,
  type FeedMessage,
  feedChannel,
  feedMigrations,
  feedProjector,
} from '@tideline/feeds';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { type ApiServer, startApiServer } from '../load/api-server.js';
import { type Subscribers, startSubscribers } from '../load/subscribers.js';
import type { Figure } from '../report.js';
import { percentile, round } from '../stats.js';
import type { FanoutSuiteContext } from './fanout.js';
import { deleteKeys } from './fanout-util.js';
import { keyspaceFigures } from './realtime-keyspace.js';

const STAR = 'user:rt_star';
const P50_TARGET_MS = 20;
const P99_TARGET_MS = 100;
/** Activities added per second for the publish → subscriber figure. */
const E2E_RATE = 100;

/** Ids above every real position, increasing: each watcher takes each message as new. */
let sequence = 0;
const syntheticId = () => `ffffffff${(sequence++).toString(16).padStart(24, '0')}`;

function message(feed: string): FeedMessage {
  return {
    id: syntheticId(),
    feed,
    type: 'activity.added',
    activity: {
      id: `01BENCH${String(sequence).padStart(19, '0')}`,
      feed,
      actor: 'rt_star',
      verb: 'post',
      object: 'post:bench',
      time: new Date().toISOString(),
      to: [],
      extra: { sentAt: performance.timeOrigin + performance.now() },
    },
  };
}

/** The server's resident set and V8 heap in use, from its Prometheus metrics. */
async function serverMemory(origin: string): Promise<{ rss: number; heap: number }> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  return {
    rss: value('process_resident_memory_bytes'),
    heap: value('nodejs_heap_size_used_bytes'),
  };
}

/** Collects from the subscribers until `count` messages arrived (or 30 s passed). */
async function gather(subscribers: Subscribers, count: number): Promise<number[]> {
  const latencies: number[] = [];
  let received = 0;
  const deadline = performance.now() + 30_000;
  while (received < count && performance.now() < deadline) {
    const got = await subscribers.collect();
    received += got.received;
    latencies.push(...got.latencies);
    if (received < count) await sleep(20);
  }
  if (received < count) throw new Error(`only ${received} of ${count} messages arrived`);
  return latencies;
}

/**
 * docs/product.md §9, real time: publish → subscriber latency with thousands of subscriptions open
 * on one server process, over the REST SSE stream and over tRPC WebSocket, and the
 * server's memory per open subscription. The API server runs as its own process (as in
 * production) and the subscribers in another. The product.md §9 figure runs from an activity's
 * publish: `addActivity` appends it to the log, the feed projector (in the bench process,
 * as a worker runs it) applies it and publishes its message, the server sends it on. The
 * others publish straight on Redis (what the projector does after applying a batch), to
 * show the server's own share and a broadcast to every subscriber. Each message carries
 * its send time.
 */
export async function realtimeSuite(ctx: FanoutSuiteContext): Promise<Figure[]> {
  const { db, quick, progress } = ctx;
  await migrateToLatest(db, feedMigrations);
  const count = quick ? 500 : 5_000;
  const rounds = quick ? 5 : 20;
  const targetedRate = 200;
  const targetedMs = quick ? 2_000 : 10_000;
  const prefix = `bench-rt:${randomBytes(4).toString('hex')}:`;
  const key = `bench-${randomBytes(16).toString('hex')}`;
  const timelines = Array.from({ length: count }, (_, k) => `timeline:rt${k}`);
  // Every timeline follows the star: one publish on its channel reaches every subscriber.
  await sql`
    INSERT INTO follows (source, target, cutoff_ms, cutoff_id, followed_position)
    SELECT 'timeline:rt' || k, ${STAR}, NULL, NULL, repeat('0', 32)
    FROM generate_series(0, ${count - 1}) AS k
    ON CONFLICT DO NOTHING`.execute(db);

  const redis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: 3 });
  const figures: Figure[] = [];
  let server: ApiServer | undefined;
  let subscribers: Subscribers | undefined;
  // The feed projector, as a worker runs it; caught up before any subscription opens, so
  // every watch starts where it stands and the adds below come after. It starts at the
  // log's end: the earlier suites' events in this database (millions, one checkpoint left
  // behind by whichever suite ran a projector last) are none of this suite's business, and
  // replaying them could take minutes on a slow machine.
  await sql`DELETE FROM consumer_checkpoints WHERE name = 'feeds'`.execute(db);
  const projector: Consumer = createConsumer({
    db,
    connectionString: ctx.connectionString,
    projection: feedProjector({
      redis,
      queue: { enqueue: async () => {} },
      config: { ...defaultFeedsConfig, redisPrefix: prefix },
    }),
    startFrom: 'end',
  });
  try {
    projector.start();
    const deadline = performance.now() + 120_000;
    for (;;) {
      if (await hasCaughtUp(db, 'feeds')) break;
      if (performance.now() > deadline) throw new Error('the feed projector did not catch up');
      await sleep(50);
    }
    server = await startApiServer({
      DATABASE_URL: ctx.connectionString,
      REDIS_URL: ctx.redisUrl,
      API_KEYS: key,
      RATE_LIMIT_SERVER_PER_MINUTE: '0',
      REDIS_KEY_PREFIX: prefix,
      LOG_LEVEL: 'warn',
    });
    subscribers = await startSubscribers();
    const origin = server.origin;
    const publish = (feed: string) =>
      redis.publish(feedChannel(prefix, feed), JSON.stringify(message(feed)));

    for (const transport of ['sse', 'websocket'] as const) {
      const label = transport === 'sse' ? 'SSE' : 'WebSocket';
      const before = await serverMemory(origin);
      const openMs = await subscribers.open({
        origin,
        token: key,
        transport,
        feeds: timelines,
        concurrency: 200,
      });
      progress(`realtime: ${count} ${label} subscriptions open in ${round(openMs / 1000, 1)} s`);
      await server.settle();
      const after = await serverMemory(origin);
      figures.push(
        {
          name: `server RSS per open ${label} subscription (${count} open)`,
          value: Math.round((after.rss - before.rss) / count),
          unit: 'B',
          better: 'lower',
        },
        {
          name: `server heap per open ${label} subscription (${count} open)`,
          value: Math.round((after.heap - before.heap) / count),
          unit: 'B',
          better: 'lower',
        },
      );

      // docs/product.md §9: an activity's publish → its feed's subscriber, one subscriber each, at a
      // steady rate, with all open. Before the Redis publishes below: their synthetic ids
      // are above every position, and a watch skips what is not newer than it has sent.
      await subscribers.collect();
      const adds = Math.round((E2E_RATE * targetedMs) / 1000);
      const addStart = performance.now();
      for (let i = 0; i < adds; i += 1) {
        const wait = addStart + (i * 1000) / E2E_RATE - performance.now();
        if (wait > 0) await sleep(wait);
        const feed = timelines[(i * 7919) % count] ?? STAR;
        await addActivity(db, feed, {
          actor: 'rt_poster',
          verb: 'post',
          object: `post:e2e${i}`,
          extra: { sentAt: performance.timeOrigin + performance.now() },
        });
      }
      const endToEnd = await gather(subscribers, adds);
      progress(
        `realtime: ${label} add activity → subscriber, ${adds} adds at ${E2E_RATE}/s: ` +
          `p50 ${round(percentile(endToEnd, 0.5))} ms, p99 ${round(percentile(endToEnd, 0.99))} ms`,
      );
      figures.push(
        ...latencyFigures(`publish (add activity) → ${label} subscriber, ${count} open`, endToEnd),
      );

      // The server's share: messages published straight on Redis, to one subscriber each.
      const sends = Math.round((targetedRate * targetedMs) / 1000);
      const start = performance.now();
      for (let i = 0; i < sends; i += 1) {
        const due = start + (i * 1000) / targetedRate;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        await publish(timelines[(i * 7919) % count] ?? STAR);
      }
      const targeted = await gather(subscribers, sends);
      progress(
        `realtime: ${label} targeted, ${sends} messages at ${targetedRate}/s: ` +
          `p50 ${round(percentile(targeted, 0.5))} ms, p99 ${round(percentile(targeted, 0.99))} ms`,
      );
      figures.push(
        ...latencyFigures(`Redis PUBLISH → ${label} subscriber, ${count} open`, targeted, false),
      );

      // Broadcast: one message to every subscriber at once (a followed account's post).
      const broadcast: number[] = [];
      for (let r = 0; r < rounds; r += 1) {
        await publish(STAR);
        broadcast.push(...(await gather(subscribers, count)));
      }
      progress(
        `realtime: ${label} broadcast to ${count}, ${rounds} rounds: ` +
          `p50 ${round(percentile(broadcast, 0.5))} ms, p99 ${round(percentile(broadcast, 0.99))} ms`,
      );
      figures.push(
        ...latencyFigures(
          `Redis PUBLISH → all ${count} ${label} subscribers of one feed`,
          broadcast,
          false,
        ),
      );
      await subscribers.closeAll();
      await server.settle();
    }
    const problems = server.problems();
    if (problems.count > 0) progress(`realtime: server warnings: ${problems.last.join(' | ')}`);
  } catch (error) {
    const problems = server?.problems();
    if (problems?.count) progress(`realtime: server log: ${problems.last.join(' | ')}`);
    throw error;
  } finally {
    await projector.stop();
    await subscribers?.stop();
    await server?.stop();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  }
  figures.push(...(await keyspaceFigures({ quick, progress })));
  return figures;
}

/** p50 and p99 of `samples`; with the docs/product.md §9 targets when `targeted` (its own figure). */
function latencyFigures(name: string, samples: readonly number[], targeted = true): Figure[] {
  return [
    {
      name: `${name} p50`,
      value: round(percentile(samples, 0.5)),
      unit: 'ms',
      better: 'lower',
      ...(targeted ? { target: P50_TARGET_MS } : {}),
    },
    {
      name: `${name} p99`,
      value: round(percentile(samples, 0.99)),
      unit: 'ms',
      better: 'lower',
      ...(targeted ? { target: P99_TARGET_MS } : {}),
    },
  ];
}
