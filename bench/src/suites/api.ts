import { randomBytes } from 'node:crypto';
import { appRouter, createApiDeps, createCallerFactory } from '@tideline/api';
import { migrateToLatest } from '@tideline/event-store';
import {
  createTimelineReader,
  defaultFeedsConfig,
  type FeedsConfig,
  feedMigrations,
  regenerateFeed,
} from '@tideline/feeds';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { type ApiServer, startApiServer } from '../load/api-server.js';
import { type LoadGenerator, startLoadGenerator } from '../load/load-generator.js';
import { measureHttp } from '../load/measure.js';
import type { Figure } from '../report.js';
import { round } from '../stats.js';
import { compareReads } from './api-compare.js';
import {
  ADD_RATE,
  API_READER,
  apiShape,
  assertSamePage,
  COMPARE_RATE,
  describe,
  durations,
  failures,
  HOLD_P99_MS,
  holds,
  PAGE,
  READ_RATE,
  type Request,
  ramp,
  requests,
} from './api-workloads.js';
import type { FanoutSuiteContext } from './fanout.js';
import { generateGraph, threshold } from './fanout-data.js';
import { deleteKeys } from './fanout-util.js';

/** Server processes of the second 1,000 req/s read run (one per core of the bench machine). */
const CLUSTER_PROCESSES = 2;

function reportProblems(server: ApiServer, progress: (line: string) => void): void {
  const problems = server.problems();
  if (problems.count === 0) return;
  progress(`api: the server logged ${problems.count} warnings/errors; the last ones:`);
  for (const line of problems.last) progress(`  ${line}`);
}

/**
 * The API over HTTP (docs/product.md §9): the server runs as its own process, as in production, and a
 * load generator in another sends requests open-loop at fixed rates, each latency measured
 * from the request's intended send time. The same timeline read by an in-process call, tRPC
 * and REST; REST reads at 1,000 req/s; add-activity at a moderate rate and stepped up to
 * the highest rate that holds.
 */
export async function apiSuite(ctx: FanoutSuiteContext): Promise<Figure[]> {
  const { db, quick, progress } = ctx;
  await migrateToLatest(db, feedMigrations);
  const shape = apiShape(quick);
  const config: FeedsConfig = {
    ...defaultFeedsConfig,
    fanoutThreshold: threshold(shape),
    redisPrefix: `bench-api:${randomBytes(4).toString('hex')}:`,
  };
  const key = `bench-${randomBytes(16).toString('hex')}`;
  const time = durations(quick);
  const redis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: 3 });
  let server: ApiServer | undefined;
  let clustered: ApiServer | undefined;
  let generator: LoadGenerator | undefined;
  try {
    progress(
      `api: generating ${shape.users} authors, ${shape.activities} activities ` +
        `(FANOUT_THRESHOLD ${config.fanoutThreshold})`,
    );
    await generateGraph(db, shape, progress);
    // The generator's dirty pages are flushed now, not by a checkpoint during the runs.
    await sql`CHECKPOINT`.execute(db).catch(() => progress('api: CHECKPOINT not permitted'));
    const feed = `${API_READER.group}:${API_READER.id}`;
    await regenerateFeed(db, redis, config, feed);
    const reader = createTimelineReader({ db, redis, config });
    for (let i = 0; i < 50; i += 1) await reader.readFeed(feed, { limit: PAGE });
    const expected = (await reader.readFeed(feed, { limit: PAGE })).results.map((a) => a.id);

    const startServer = (processes: number) =>
      startApiServer({
        DATABASE_URL: ctx.connectionString,
        REDIS_URL: ctx.redisUrl,
        API_KEYS: key,
        RATE_LIMIT_SERVER_PER_MINUTE: '0',
        REDIS_KEY_PREFIX: config.redisPrefix,
        FANOUT_THRESHOLD: String(config.fanoutThreshold),
        LOG_LEVEL: 'warn',
        SERVER_PROCESSES: String(processes),
      });
    server = await startServer(1);
    generator = await startLoadGenerator();
    progress(`api: server at ${server.origin} and the load generator started`);
    const api = server;
    const load = generator;
    const req = requests(key);
    await assertSamePage(`${api.origin}${req.restRead.paths[0]}`, key, expected);
    await assertSamePage(`${api.origin}${req.trpcRead.paths[0]}`, key, expected);
    const measure = async (
      label: string,
      request: Request,
      rate: number,
      durationMs: number,
      warmupMs = time.warmupMs,
      target: ApiServer = api,
    ) => {
      const result = await measureHttp(target, load, { ...request, rate, warmupMs, durationMs });
      progress(`api: ${label} @${rate}/s: ${describe(result)}`);
      return result;
    };

    const caller = createCallerFactory(appRouter)({
      deps: createApiDeps({
        db,
        redis,
        config,
        auth: { apiKeys: [key] },
        rateLimits: { userPerMinute: 0, serverPerMinute: 0 },
      }),
      authorization: `Bearer ${key}`,
      requestId: 'bench-api',
    });
    // A fresh server (code compiled by tsx, cold JIT) and generator are several times slower
    // for their first few hundred requests: warm both up on every kind of request first.
    progress(`api: warming up, ${time.serverWarmupMs / 1000}s of each request at 100 req/s`);
    for (const request of [req.trpcRead, req.restRead, req.add]) {
      await measureHttp(api, load, {
        ...request,
        rate: 100,
        warmupMs: 0,
        durationMs: time.serverWarmupMs,
      });
    }
    for (let i = 0; i < 200; i += 1) await caller.feeds.read(req.input);
    progress(
      `api: the same read at ${COMPARE_RATE} req/s, in-process, tRPC over HTTP and REST, ` +
        `${time.rounds} round(s)`,
    );
    const compared = await compareReads({
      server: api,
      generator: load,
      callInProcess: () => caller.feeds.read(req.input),
      trpcRead: req.trpcRead,
      restRead: req.restRead,
      rounds: time.rounds,
      warmupMs: time.warmupMs,
      durationMs: time.compareMs,
      progress,
    });

    progress(`api: REST timeline read at ${READ_RATE} req/s for ${time.readMs / 1000}s`);
    const readOne = await measure('REST read, 1 process', req.restRead, READ_RATE, time.readMs);
    // The same with SERVER_PROCESSES=2 (a cluster primary handing connections to two server
    // processes), started beside the first and warmed up the same way.
    progress(`api: a second server with SERVER_PROCESSES=${CLUSTER_PROCESSES}, warming up`);
    clustered = await startServer(CLUSTER_PROCESSES);
    await measureHttp(clustered, load, {
      ...req.restRead,
      rate: 100,
      warmupMs: 0,
      durationMs: time.serverWarmupMs * CLUSTER_PROCESSES,
    });
    const read = await measure(
      `REST read, ${CLUSTER_PROCESSES} processes`,
      req.restRead,
      READ_RATE,
      time.readMs,
      time.warmupMs,
      clustered,
    );
    reportProblems(clustered, progress);
    await clustered.stop();
    clustered = undefined;
    const added = await measure('add activity', req.add, ADD_RATE, time.addMs);

    progress(
      `api: add-activity ramp, ${time.stepMs / 1000}s a step, until p99 > ${HOLD_P99_MS} ms, ` +
        'a failure, or under 95 % of the rate achieved (twice in a row)',
    );
    let sustained = 0;
    for (const rate of ramp(quick)) {
      const step = () => measure('add ramp', req.add, rate, time.stepMs, time.stepWarmupMs);
      // One retry: a single noisy step on a shared machine should not end the ramp.
      if (!holds(await step()) && !holds(await step())) break;
      sustained = rate;
    }

    reportProblems(api, progress);

    // The targets go with the server as it starts by default (SERVER_PROCESSES=1): on two
    // cores shared with Redis, PostgreSQL and the load generator, a second server process
    // adds no CPU, only a second heap and the primary's hand-off. Both are reported.
    const at = `${READ_RATE} req/s (REST, one server process, open loop, 20 fan-out-on-read + 200 other followees, page ${PAGE})`;
    const clusterAt = `${READ_RATE} req/s, ${CLUSTER_PROCESSES} server processes`;
    const compare = `read p50 at ${COMPARE_RATE} req/s`;
    const ms = (name: string, value: number): Figure => ({
      name,
      value,
      unit: 'ms',
      better: 'lower',
    });
    const count = (name: string, value: number): Figure => ({
      name,
      value,
      unit: 'requests',
      better: 'lower',
      target: 0,
    });
    const rate = (name: string, value: number): Figure => ({
      name,
      value,
      unit: 'req/s',
      better: 'higher',
    });
    const figures: Figure[] = [
      { ...ms(`timeline read p50 at ${at}`, readOne.p50), target: 3 },
      { ...ms(`timeline read p99 at ${at}`, readOne.p99), target: 15 },
      ms(`timeline read max at ${READ_RATE} req/s (REST, one server process)`, readOne.max),
      rate(
        `timeline read achieved rate, ${READ_RATE} req/s offered (REST, one server process)`,
        readOne.achievedRate,
      ),
      count(
        `timeline read failures at ${READ_RATE} req/s (one server process; errors incl. 10 s timeouts + non-2xx)`,
        failures(readOne),
      ),
      ms(`timeline read p50 at ${clusterAt}`, read.p50),
      ms(`timeline read p99 at ${clusterAt}`, read.p99),
      rate(
        `timeline read achieved rate, ${READ_RATE} req/s offered, ${CLUSTER_PROCESSES} server processes`,
        read.achievedRate,
      ),
      count(
        `timeline read failures at ${clusterAt} (errors incl. 10 s timeouts + non-2xx)`,
        failures(read),
      ),
      ms(`${compare}: in-process call (createCaller)`, compared.inProcess),
      ms(`${compare}: tRPC over HTTP (httpBatchLink URL)`, compared.trpc),
      ms(`${compare}: REST`, compared.rest),
      {
        name: `${compare}: tRPC over HTTP ÷ in-process`,
        value: round(compared.trpc / compared.inProcess, 2),
        unit: '×',
        better: 'lower',
      },
      {
        name: `${compare}: REST ÷ in-process`,
        value: round(compared.rest / compared.inProcess, 2),
        unit: '×',
        better: 'lower',
      },
      ms(`add activity p50 at ${ADD_RATE} req/s (REST POST)`, added.p50),
      ms(`add activity p99 at ${ADD_RATE} req/s (REST POST)`, added.p99),
      count(`add activity failures at ${ADD_RATE} req/s (errors + non-2xx)`, failures(added)),
      {
        name: `add activity max sustained rate (REST POST; last ramp step with p99 ≤ ${HOLD_P99_MS} ms, no failures, ≥ 95 % achieved)`,
        value: sustained,
        unit: 'req/s',
        better: 'higher',
      },
    ];
    if (compared.restServerCpuMs !== undefined) {
      figures.push(
        ms(
          `server CPU per REST timeline read (at ${COMPARE_RATE} req/s)`,
          compared.restServerCpuMs,
        ),
      );
    }
    if (added.serverCpuMs !== undefined) {
      figures.push(ms(`server CPU per add activity (at ${ADD_RATE} req/s)`, added.serverCpuMs));
    }
    return figures;
  } finally {
    await generator?.stop();
    await server?.stop();
    await clustered?.stop();
    const deleted = await deleteKeys(redis, config.redisPrefix);
    progress(`api: stopped the server and the load generator; deleted ${deleted} bench keys`);
    redis.disconnect();
  }
}
