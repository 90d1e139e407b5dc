import type { Feed } from '@tideline/domain';
import type { Entry } from '@tideline/fanout';
import {
  admits,
  type FeedKeys,
  feedKeys,
  parseGuard,
  type ScriptedPipeline,
  withTimelineScripts,
} from '@tideline/fanout';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { FeedsConfig } from '../config.js';
import { compareEntriesDesc, mergeEntries } from './feed-queries.js';
import { regenerateFeed } from './regenerate-feed.js';

/** The floor of a cut set that is now empty: it can answer nothing. */
const EVERYTHING_UNKNOWN: Entry = { timeMs: Number.MAX_SAFE_INTEGER, id: '' };

interface SetRead {
  entries: Entry[];
  /** The set was trimmed to the cap: below its lowest entry it knows nothing. */
  floor: Entry | undefined;
}

/**
 * The next `count` entries of `feed` below `before`, from Redis: its direct set and
 * fanned-out timeline in one round trip, then the direct sets of the fan-out-on-read
 * authors it follows in a second. Missing feeds are regenerated first. Returns
 * `undefined` when the capped sets cannot answer this page exactly (the caller then asks
 * PostgreSQL).
 */
export async function redisCandidates(
  db: Kysely<unknown>,
  redis: Redis,
  config: FeedsConfig,
  feed: Feed,
  before: Entry | undefined,
  count: number,
): Promise<Entry[] | undefined> {
  // Reads feeds' sets in one round trip, regenerating from PostgreSQL any that is not live.
  const readLive = async (targets: readonly Target[]) => {
    const reads = await readMany(redis, config, targets, before, count);
    const cold = targets.filter((_, i) => !reads[i]?.live);
    if (cold.length === 0) return reads;
    for (const target of cold) await regenerateFeed(db, redis, config, target.feed);
    const again = await readMany(redis, config, cold, before, count);
    return reads.map((read) => (read.live ? read : (again.shift() ?? read)));
  };
  const [first] = await readLive([{ feed, sets: ['own', 'tl'], withFor: true }]);
  if (!first?.live) return undefined;
  const reads = [...first.sets];
  const authors = Object.entries(first.hash);
  const authorReads = await readLive(
    authors.map(([author]) => ({ feed: author, sets: ['own'], withFor: false })),
  );
  for (const [index, [, guardText]] of authors.entries()) {
    const read = authorReads[index];
    if (!read?.live) return undefined;
    const guard = parseGuard(guardText);
    for (const set of read.sets) {
      reads.push({
        ...set,
        entries: set.entries.filter((e) => admits(guard, e)),
      });
    }
  }
  const merged = mergeEntries(
    reads.map((read) => read.entries),
    count,
  );
  // Exact only above every trimmed set's floor; a page reaching below it comes from PostgreSQL.
  const floors = reads.map((read) => read.floor).filter((floor) => floor !== undefined);
  const highestFloor = floors.sort(compareEntriesDesc)[0];
  const lowest = merged[merged.length - 1];
  if (
    highestFloor &&
    (merged.length < count || (lowest && compareEntriesDesc(lowest, highestFloor) >= 0))
  ) {
    return undefined;
  }
  return merged;
}

/** A page of entries with their cached bodies: the JSON, the tombstone, or null if not cached. */
export interface CachedPage {
  entries: Entry[];
  cached: Map<string, string | null>;
}

/**
 * The next `count` entries of `feed` below `before` with their cached bodies, from a
 * standalone Redis in one script call (`tlReadPage`: the feed's sets, its fan-out-on-read
 * authors' pages, the merge and the bodies). What `redisCandidates` answers in two round
 * trips plus a body fetch — the same rules, so the same page. Feeds that are not live are
 * regenerated and the page read again once. `undefined` when Redis cannot answer exactly.
 */
export async function redisPage(
  db: Kysely<unknown>,
  redis: Redis,
  config: FeedsConfig,
  feed: Feed,
  before: Entry | undefined,
  count: number,
): Promise<CachedPage | undefined> {
  const k = feedKeys(config.redisPrefix, feed);
  const ttl = config.fanoutActiveDays * 24 * 3600;
  const scripted = withTimelineScripts(redis);
  for (let attempt = 0; ; attempt += 1) {
    const reply = (await scripted
      .tlReadPage(
        ...readKeys(k),
        before ? String(before.timeMs) : '',
        before?.id ?? '',
        count,
        ttl,
        config.redisPrefix,
      )
      .catch((error: Error) => {
        throw Object.assign(error, { transient: true });
      })) as unknown as PageReply;
    if (reply[0] === 1) {
      const [, ids, scores, bodies] = reply;
      const entries = ids.map((id, i) => ({ id, timeMs: Number(scores[i]) }));
      return { entries, cached: new Map(ids.map((id, i) => [id, bodies[i] ?? null])) };
    }
    if (reply[0] === 3 || attempt > 0) return undefined;
    const cold = reply[0] === 0 ? [feed] : reply[1];
    for (const target of cold) await regenerateFeed(db, redis, config, target);
  }
}

/** A feed's keys in the order the read scripts take them. */
const readKeys = (k: FeedKeys) => [k.live, k.trim, k.own, k.tl, k.for, k.fow] as const;

type PageReply = [1, string[], string[], (string | null)[]] | [0] | [2, string[]] | [3];

interface Target {
  feed: Feed;
  sets: ('own' | 'tl')[];
  withFor: boolean;
}

interface FeedRead {
  live: boolean;
  sets: SetRead[];
  hash: Record<string, string>;
}

/** Reads several feeds for a page in one round trip: one script call per feed. */
async function readMany(
  redis: Redis,
  config: FeedsConfig,
  targets: readonly Target[],
  before: Entry | undefined,
  count: number,
): Promise<FeedRead[]> {
  if (targets.length === 0) return [];
  const ttl = config.fanoutActiveDays * 24 * 3600;
  const pipeline = withTimelineScripts(redis).pipeline() as ScriptedPipeline;
  for (const { feed, sets, withFor } of targets) {
    const k = feedKeys(config.redisPrefix, feed);
    const withTl = sets.includes('tl') ? '1' : '0';
    pipeline.tlReadFeed(
      ...readKeys(k),
      before ? String(before.timeMs) : '',
      before?.id ?? '',
      count,
      ttl,
      withTl,
      withFor ? '1' : '0',
    );
  }
  const results = (await pipeline.exec()) ?? [];
  return targets.map(({ sets }, index): FeedRead => {
    const [error, reply] = results[index] ?? [null, null];
    if (error) throw Object.assign(error, { transient: true });
    const [
      live,
      trimFlat = [],
      ownPage = [],
      ownLowest = [],
      tlPage = [],
      tlLowest = [],
      forFlat = [],
    ] = reply as [number, string[]?, string[]?, string[]?, string[]?, string[]?, string[]?];
    if (live !== 1) return { live: false, sets: [], hash: {} };
    const trimmed = new Set(trimFlat.filter((_, i) => i % 2 === 0));
    const setRead = (set: 'own' | 'tl', flat: string[], lowest: string[]): SetRead => {
      const entries: Entry[] = [];
      for (let j = 0; j + 1 < flat.length; j += 2) {
        const entry = { id: flat[j] ?? '', timeMs: Number(flat[j + 1]) };
        if (!before || compareEntriesDesc(entry, before) > 0) entries.push(entry);
      }
      const floor = !trimmed.has(set)
        ? undefined
        : lowest[0] === undefined
          ? EVERYTHING_UNKNOWN
          : { id: lowest[0], timeMs: Number(lowest[1]) };
      return { entries, floor };
    };
    const reads = sets.map((set) =>
      set === 'own' ? setRead('own', ownPage, ownLowest) : setRead('tl', tlPage, tlLowest),
    );
    const hash: Record<string, string> = {};
    for (let j = 0; j + 1 < forFlat.length; j += 2) hash[forFlat[j] ?? ''] = forFlat[j + 1] ?? '';
    return { live: true, sets: reads, hash };
  });
}
