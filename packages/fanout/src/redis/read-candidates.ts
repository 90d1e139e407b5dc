import type { Feed } from '@tideline/domain';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { FeedsConfig } from '../config.js';
import { compareEntriesDesc, type Entry, mergeEntries } from '../read-model/feed-queries.js';
import { feedKeys, isAboveCutoff, parseGuard } from './keys.js';
import { regenerateFeed } from './regenerate-feed.js';

/** Same-millisecond entries fetched beyond the page, since the cursor cuts inside a score. */
const TIE_SLACK = 20;

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
        entries: set.entries.filter((e) => isAboveCutoff(guard, e.timeMs, e.id)),
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

/** Reads the given sets of several feeds, and refreshes their TTLs, in one pipeline. */
async function readMany(
  redis: Redis,
  config: FeedsConfig,
  targets: readonly Target[],
  before: Entry | undefined,
  count: number,
): Promise<FeedRead[]> {
  if (targets.length === 0) return [];
  const ttl = config.fanoutActiveDays * 24 * 3600;
  const max = before ? String(before.timeMs) : '+inf';
  const pipeline = redis.pipeline();
  for (const { feed, sets, withFor } of targets) {
    const keys = feedKeys(config.redisPrefix, feed);
    pipeline.exists(keys.live).hgetall(keys.trim);
    for (const set of sets) {
      pipeline
        .zrevrangebyscore(keys[set], max, '-inf', 'WITHSCORES', 'LIMIT', 0, count + TIE_SLACK)
        .zrange(keys[set], 0, 0, 'WITHSCORES');
    }
    if (withFor) pipeline.hgetall(keys.for);
    // Reading a feed keeps it active: its keys live another FANOUT_ACTIVE_DAYS.
    for (const key of [keys.live, keys.own, keys.tl, keys.fow, keys.for, keys.trim])
      pipeline.expire(key, ttl);
  }
  const results = (await pipeline.exec()) ?? [];
  let cursor = 0;
  const next = (): unknown => {
    const [error, result] = results[cursor++] ?? [null, null];
    if (error) throw Object.assign(error, { transient: true });
    return result;
  };
  return targets.map(({ sets, withFor }) => {
    const live = next() === 1;
    const trimmed = next() as Record<string, string>;
    const reads = sets.map((set): SetRead => {
      const flat = next() as string[];
      const lowest = next() as string[];
      const entries: Entry[] = [];
      for (let j = 0; j + 1 < flat.length; j += 2) {
        const entry = { id: flat[j] ?? '', timeMs: Number(flat[j + 1]) };
        if (!before || compareEntriesDesc(entry, before) > 0) entries.push(entry);
      }
      const floor =
        trimmed[set] === undefined
          ? undefined
          : lowest[0] === undefined
            ? EVERYTHING_UNKNOWN
            : { id: lowest[0], timeMs: Number(lowest[1]) };
      return { entries, floor };
    });
    const hash = withFor ? (next() as Record<string, string>) : {};
    cursor += 6;
    return { live, sets: reads, hash };
  });
}
