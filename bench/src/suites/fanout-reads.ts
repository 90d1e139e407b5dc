import type { StoredActivity } from '@tideline/domain';
import { feedKeys } from '@tideline/fanout';
import { createTimelineReader, regenerateFeed } from '@tideline/feeds';
import type { Redis } from 'ioredis';
import { type Kysely, sql } from 'kysely';
import type { Figure } from '../report.js';
import { elapsedMs, percentile, round } from '../stats.js';
import {
  PROPORTIONAL_READER,
  postsPerAuthor,
  READER,
  READER_READ_RANKS,
  READER_WRITE_RANKS,
  WRITE_ONLY_READER,
} from './fanout-data.js';
import type { GraphFigureContext } from './fanout-util.js';

const PAGE = 25;

/** `count` sequential timings of `read`, or fewer if `budgetMs` runs out first. */
async function sample(
  count: number,
  read: () => Promise<unknown>,
  budgetMs = Number.POSITIVE_INFINITY,
): Promise<number[]> {
  const samples: number[] = [];
  const begin = performance.now();
  for (let i = 0; i < count && elapsedMs(begin) < budgetMs; i += 1) {
    const start = performance.now();
    await read();
    samples.push(elapsedMs(start));
  }
  return samples;
}

/** The naive design's index: activities by actor, newest first. */
async function createNaiveIndex(db: Kysely<unknown>) {
  await sql`
    CREATE INDEX IF NOT EXISTS bench_naive_actor_time_idx
    ON feed_activities ((body ->> 'actor'), time_ms DESC, id DESC)`.execute(db);
  await sql`ANALYZE feed_activities`.execute(db);
}

/** The naive SQL page of the activities of `actors`, and its plan in one line. */
async function naivePage(db: Kysely<unknown>, actors: string[]) {
  const query = sql<{ body: StoredActivity }>`
    SELECT body FROM feed_activities
    WHERE body ->> 'actor' = ANY(${actors}::text[]) AND removed_position IS NULL
    ORDER BY time_ms DESC, id DESC LIMIT ${PAGE}`;
  const plan = await sql<{ 'QUERY PLAN': string }>`EXPLAIN ${query}`.execute(db);
  const summary = plan.rows
    .map((row) => row['QUERY PLAN'].trim())
    .filter((line) => /Scan|Sort|Limit/.test(line))
    .map((line) => line.replace(/\s+\(cost.*$/, ''))
    .join(' / ');
  return { run: () => query.execute(db), plan: summary };
}

/** Both must produce the same page, or the comparison means nothing. */
function assertSamePage(fromTideline: string[], fromSql: string[]) {
  if (fromTideline.join() !== fromSql.join()) {
    throw new Error(
      `timeline read and naive SQL disagree:\n  ${fromTideline.join(',')}\n  ${fromSql.join(',')}`,
    );
  }
}

const ms = (samples: number[], q: number) => round(percentile(samples, q), 3);

async function memoryUsage(redis: Redis, key: string) {
  const bytes = Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
  const encoding = String(await redis.call('OBJECT', 'ENCODING', key));
  return { bytes, encoding };
}

/**
 * In-process timeline reads (`readFeed`, first page of 25) of a user following the 20
 * fan-out-on-read authors and 200 fan-out-on-write ones, against the naive SQL page over
 * the same activities: `WHERE actor IN (followees) ORDER BY time DESC LIMIT 25`, with an
 * `(actor, time)` index to use. Also the same read without fan-out-on-read authors, and
 * Redis bytes per entry of the reader's full (capped) timeline.
 */
export async function readFigures({
  db,
  redis,
  config,
  quick,
  progress,
}: GraphFigureContext): Promise<Figure[]> {
  const reader = createTimelineReader({ db, redis, config });
  progress('timeline reads: regenerating the readers, warming the fan-out-on-read sets and bodies');
  await regenerateFeed(db, redis, config, READER);
  await regenerateFeed(db, redis, config, WRITE_ONLY_READER);
  for (let i = 0; i < 50; i += 1) {
    await reader.readFeed(READER, { limit: PAGE });
    await reader.readFeed(WRITE_ONLY_READER, { limit: PAGE });
  }

  await createNaiveIndex(db);
  const actors = [...READER_READ_RANKS, ...READER_WRITE_RANKS].map((rank) => `u${rank}`);
  const { run: naive, plan } = await naivePage(db, actors);
  progress(`timeline reads: naive plan: ${plan}`);

  const fromTideline = (await reader.readFeed(READER, { limit: PAGE })).results.map((a) => a.id);
  const fromSql = (await naive()).rows.map((row) => row.body.id);
  assertSamePage(fromTideline, fromSql);

  const reads = quick ? 300 : 1000;
  progress(
    `timeline reads: ${reads} tideline reads, ${reads} naive SQL reads, ${reads} without merge`,
  );
  await sample(50, naive);
  const tideline = await sample(reads, () => reader.readFeed(READER, { limit: PAGE }));
  const sqlSamples = await sample(reads, naive);
  const writeOnly = await sample(reads, () => reader.readFeed(WRITE_ONLY_READER, { limit: PAGE }));

  const tl = feedKeys(config.redisPrefix, READER).tl;
  const entries = await redis.zcard(tl);
  const big = await memoryUsage(redis, tl);
  const ids = fromTideline.slice(0, 10);
  let bodyBytes = 0;
  for (const id of ids) {
    bodyBytes += Number(
      await redis.call('MEMORY', 'USAGE', `${config.redisPrefix}act:{${id}}`, 'SAMPLES', '0'),
    );
  }

  return [
    {
      name: 'timeline read p50 (in-process, 20 fan-out-on-read + 200 other followees, page 25)',
      value: ms(tideline, 0.5),
      unit: 'ms',
      better: 'lower',
      baseline: ms(sqlSamples, 0.5),
      target: 20,
    },
    {
      name: 'timeline read p99 (same; baseline = naive SQL p99)',
      value: ms(tideline, 0.99),
      unit: 'ms',
      better: 'lower',
      baseline: ms(sqlSamples, 0.99),
    },
    {
      name: 'timeline read p50, 220 fan-out-on-write followees only (no merge)',
      value: ms(writeOnly, 0.5),
      unit: 'ms',
      better: 'lower',
    },
    {
      name: 'timeline read p99, 220 fan-out-on-write followees only (no merge)',
      value: ms(writeOnly, 0.99),
      unit: 'ms',
      better: 'lower',
    },
    {
      name: `Redis bytes per timeline entry, ${entries}-entry tl (${big.encoding})`,
      value: big.bytes / entries,
      unit: 'B/entry',
      better: 'lower',
    },
    {
      name: 'Redis bytes per cached activity body (act:{id})',
      value: bodyBytes / ids.length,
      unit: 'B',
      better: 'lower',
    },
  ];
}

/**
 * The same read as the first two figures of `readFigures`, on the dataset where authors
 * post in proportion to their followers (`proportionalShape`): `timeline:reader_p` follows
 * the same ranks (1–20 and 1001–1200), whose activities now number in the hundreds of
 * thousands, which is what the naive query has to sort. The naive side is capped by time.
 */
export async function proportionalReadFigures({
  db,
  redis,
  config,
  shape,
  quick,
  progress,
}: GraphFigureContext): Promise<Figure[]> {
  const ranks = [...READER_READ_RANKS, ...READER_WRITE_RANKS];
  const perAuthor = postsPerAuthor(shape);
  const followed = ranks.reduce((sum, rank) => sum + (perAuthor[rank - 1] ?? 0), 0);
  const reader = createTimelineReader({ db, redis, config });
  progress(
    `timeline reads (posting ∝ followers): ${PROPORTIONAL_READER} follows ${ranks.length} ` +
      `authors with ${followed} activities; regenerating it, warming up`,
  );
  await regenerateFeed(db, redis, config, PROPORTIONAL_READER);
  for (let i = 0; i < 50; i += 1) await reader.readFeed(PROPORTIONAL_READER, { limit: PAGE });

  await createNaiveIndex(db);
  const actors = ranks.map((rank) => `${shape.letter}${rank}`);
  const { run: naive, plan } = await naivePage(db, actors);
  progress(`timeline reads (posting ∝ followers): naive plan: ${plan}`);
  const read = () => reader.readFeed(PROPORTIONAL_READER, { limit: PAGE });
  assertSamePage(
    (await read()).results.map((a) => a.id),
    (await naive()).rows.map((row) => row.body.id),
  );

  const reads = quick ? 300 : 1000;
  // The naive query sorts every followed activity: it gets the same count or this long.
  const budgetMs = quick ? 10_000 : 60_000;
  await sample(50, naive, budgetMs / 10);
  const tideline = await sample(reads, read);
  const sqlSamples = await sample(reads, naive, budgetMs);
  progress(
    `timeline reads (posting ∝ followers): ${tideline.length} tideline reads, ` +
      `${sqlSamples.length} naive SQL reads (at most ${reads} or ${budgetMs / 1000}s)`,
  );
  return [
    {
      name: 'timeline read p50 (in-process, 20 fan-out-on-read + 200 other followees, page 25; posting ∝ followers)',
      value: ms(tideline, 0.5),
      unit: 'ms',
      better: 'lower',
      baseline: ms(sqlSamples, 0.5),
      target: 20,
    },
    {
      name: 'timeline read p99 (same, posting ∝ followers; baseline = naive SQL p99)',
      value: ms(tideline, 0.99),
      unit: 'ms',
      better: 'lower',
      baseline: ms(sqlSamples, 0.99),
    },
  ];
}
