import type { HttpLoad } from '../load/load-generator.js';
import type { LoadResult } from '../load/open-loop.js';
import { type GraphShape, READER_READ_RANKS, READER_WRITE_RANKS } from './fanout-data.js';

/** Follows the 20 fan-out-on-read authors (ranks 1–20) and 200 fan-out-on-write ones. */
export const API_READER = { group: 'timeline', id: 'api_reader' } as const;
export const PAGE = 25;
export const READ_RATE = 1000;
/** Low enough that none of the three ways of calling the read queues. */
export const COMPARE_RATE = 200;
export const ADD_RATE = 200;
/** A step of the add-activity ramp holds if its p99 stays at or under this. */
export const HOLD_P99_MS = 50;

/**
 * The fan-out suite's generator, smaller (10,000 authors, quick 2,000), under its own `a`
 * names beside whatever else the database holds. The reader follows the same ranks as
 * `timeline:reader` there (1–20 fanned out on read, 1001–1200 on write), 10 activities
 * each, so its read does the same work.
 */
export function apiShape(quick: boolean): GraphShape {
  const users = quick ? 2_000 : 10_000;
  const activities = users * 10;
  const stepMs = 500;
  return {
    posting: 'uniform',
    letter: 'a',
    readers: [
      {
        feed: `${API_READER.group}:${API_READER.id}`,
        ranks: [...READER_READ_RANKS, ...READER_WRITE_RANKS],
      },
    ],
    users,
    activities,
    // Rank 21 has exactly FANOUT_THRESHOLD followers: ranks 1–20 are fanned out on read.
    zipfC: users * 2.1,
    baseMs: Math.floor(Date.now() / 1000) * 1000 - activities * stepMs - 3_600_000,
    stepMs,
    chunks: quick ? 2 : 10,
  };
}

/** How long each part runs, ms (`rounds`: of the read comparison). */
export function durations(quick: boolean) {
  return quick
    ? {
        serverWarmupMs: 1_000,
        warmupMs: 500,
        rounds: 1,
        compareMs: 1_500,
        readMs: 2_500,
        addMs: 1_500,
        stepWarmupMs: 250,
        stepMs: 1_000,
      }
    : {
        serverWarmupMs: 3_000,
        warmupMs: 2_000,
        rounds: 3,
        compareMs: 5_000,
        readMs: 30_000,
        addMs: 20_000,
        stepWarmupMs: 1_000,
        stepMs: 5_000,
      };
}

/** The add-activity ramp, req/s. */
export function ramp(quick: boolean): number[] {
  return quick
    ? [100, 200, 400, 800, 1600]
    : [100, 150, 200, 300, 400, 500, 600, 800, 1000, 1250, 1500, 2000];
}

/** The requests, less rate and durations. */
export type Request = Omit<HttpLoad, 'origin' | 'rate' | 'warmupMs' | 'durationMs'>;

export function requests(key: string) {
  const headers = { authorization: `Bearer ${key}` };
  const input = { group: API_READER.group, id: API_READER.id, limit: PAGE };
  const rest = `/api/v1/feeds/${API_READER.group}/${API_READER.id}/activities?limit=${PAGE}`;
  // What the typed client's httpBatchLink sends for one query.
  const trpc = `/trpc/feeds.read?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: input }))}`;
  return {
    input,
    restRead: { method: 'GET', paths: [rest], headers } satisfies Request,
    trpcRead: { method: 'GET', paths: [trpc], headers } satisfies Request,
    // Spread over 100 feeds, as many authors would post.
    add: {
      method: 'POST',
      paths: Array.from({ length: 100 }, (_, k) => `/api/v1/feeds/user/api_writer${k}/activities`),
      headers,
      body: JSON.stringify({ actor: 'api_writer', verb: 'post', object: 'post:bench' }),
    } satisfies Request,
  };
}

export const failures = (r: LoadResult) => r.errors + r.non2xx;

/** A ramp step holds: nothing failed, p99 within HOLD_P99_MS, ≥ 95 % of the rate achieved. */
export const holds = (r: LoadResult) =>
  failures(r) === 0 && r.p99 <= HOLD_P99_MS && r.achievedRate >= 0.95 * r.rate;

const kinds = (r: LoadResult) =>
  r.errors === 0
    ? ''
    : ` (${Object.entries(r.errorKinds)
        .map(([kind, n]) => `${n} ${kind}`)
        .join(', ')})`;

/** One progress line's worth of a run. */
export const describe = (r: LoadResult & { serverCpuMs?: number | undefined }) =>
  `p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms, achieved ${r.achievedRate}/s of ` +
  `${r.rate}/s, ${r.ok} ok, ${r.non2xx} non-2xx, ${r.errors} errors${kinds(r)}, ` +
  `generator send lag p99 ${r.sendLagP99} ms` +
  (r.serverCpuMs === undefined ? '' : `, server CPU ${r.serverCpuMs} ms/request`);

/** Fails loudly unless `url` answers 200 with the page the in-process read gave. */
export async function assertSamePage(url: string, key: string, expected: string[]) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  const body = (await res.json()) as unknown;
  type Page = { results?: { id: string }[] };
  // tRPC batches answer `[{ result: { data } }]`; REST answers the page itself.
  const page = Array.isArray(body)
    ? (body[0] as { result?: { data?: Page } } | undefined)?.result?.data
    : (body as Page);
  const ids = page?.results?.map((activity) => activity.id) ?? [];
  if (res.status !== 200 || ids.join() !== expected.join()) {
    throw new Error(`${url}: ${res.status}, ${ids.length} ids, not the in-process page`);
  }
}
