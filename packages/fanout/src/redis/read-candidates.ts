import type { Feed } from '@tideline/domain';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { FeedsConfig } from '../config.js';
import { compareEntriesDesc, type Entry, mergeEntries } from '../read-model/feed-queries.js';
import { type FeedKeys, feedKeys, isAboveCutoff, parseGuard } from './keys.js';
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
  // Reads a feed's sets, regenerating it from PostgreSQL first when it is not live.
  const readLive = async (target: Feed, sets: ('own' | 'tl')[], withFor: boolean) => {
    const keys = feedKeys(config.redisPrefix, target);
    const read = await readSets(redis, config, keys, sets, withFor, before, count);
    if (read.live) return read;
    await regenerateFeed(db, redis, config, target);
    const again = await readSets(redis, config, keys, sets, withFor, before, count);
    return again.live ? again : undefined;
  };
  const first = await readLive(feed, ['own', 'tl'], true);
  if (!first) return undefined;
  const reads = [...first.sets];
  for (const [author, guardText] of Object.entries(first.hash)) {
    const guard = parseGuard(guardText);
    const read = await readLive(author, ['own'], false);
    if (!read) return undefined;
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

async function readSets(
  redis: Redis,
  config: FeedsConfig,
  keys: FeedKeys,
  sets: readonly ('own' | 'tl')[],
  withFor: boolean,
  before: Entry | undefined,
  count: number,
): Promise<{ live: boolean; sets: SetRead[]; hash: Record<string, string> }> {
  const ttl = config.fanoutActiveDays * 24 * 3600;
  const max = before ? String(before.timeMs) : '+inf';
  const pipeline = redis.pipeline().exists(keys.live).hgetall(keys.trim);
  for (const set of sets) {
    pipeline
      .zrevrangebyscore(keys[set], max, '-inf', 'WITHSCORES', 'LIMIT', 0, count + TIE_SLACK)
      .zrange(keys[set], 0, 0, 'WITHSCORES');
  }
  if (withFor) pipeline.hgetall(keys.for);
  // Reading a feed keeps it active: its keys live another FANOUT_ACTIVE_DAYS.
  for (const key of [keys.live, keys.own, keys.tl, keys.fow, keys.for, keys.trim])
    pipeline.expire(key, ttl);
  const results = (await pipeline.exec()) ?? [];
  const value = (index: number): unknown => {
    const [error, result] = results[index] ?? [null, null];
    if (error) throw Object.assign(error, { transient: true });
    return result;
  };
  const trimmed = value(1) as Record<string, string>;
  const reads: SetRead[] = sets.map((set, i) => {
    const base = 2 + i * 2;
    const flat = value(base) as string[];
    const entries: Entry[] = [];
    for (let j = 0; j + 1 < flat.length; j += 2) {
      const entry = { id: flat[j] ?? '', timeMs: Number(flat[j + 1]) };
      if (!before || compareEntriesDesc(entry, before) > 0) entries.push(entry);
    }
    const lowest = value(base + 1) as string[];
    const floor =
      trimmed[set] === undefined
        ? undefined
        : lowest[0] === undefined
          ? EVERYTHING_UNKNOWN
          : { id: lowest[0], timeMs: Number(lowest[1]) };
    return { entries, floor };
  });
  const hashValue = withFor ? (value(2 + sets.length * 2) as Record<string, string>) : {};
  return { live: value(0) === 1, sets: reads, hash: hashValue };
}
