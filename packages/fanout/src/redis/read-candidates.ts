import type { Feed } from '@tideline/domain';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { FeedsConfig } from '../config.js';
import { compareEntriesDesc, type Entry, mergeEntries } from '../read-model/feed-queries.js';
import { feedKeys, isAboveCutoff, parseGuard } from './keys.js';
import { regenerateFeed } from './regenerate-feed.js';

/** Same-millisecond entries fetched beyond the page, since the cursor cuts inside a score. */
const TIE_SLACK = 20;

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
  const keys = feedKeys(config.redisPrefix, feed);
  let first = await readSets(
    redis,
    config,
    [keys.own, keys.tl],
    keys.live,
    keys.for,
    before,
    count,
  );
  if (!first.live) {
    await regenerateFeed(db, redis, config, feed);
    first = await readSets(redis, config, [keys.own, keys.tl], keys.live, keys.for, before, count);
    if (!first.live) return undefined;
  }
  const reads = [...first.sets];
  const authors = Object.entries(first.hash);
  for (const [author, guardText] of authors) {
    const guard = parseGuard(guardText);
    const authorKeys = feedKeys(config.redisPrefix, author);
    let read = await readSets(
      redis,
      config,
      [authorKeys.own],
      authorKeys.live,
      undefined,
      before,
      count,
    );
    if (!read.live) {
      await regenerateFeed(db, redis, config, author);
      read = await readSets(
        redis,
        config,
        [authorKeys.own],
        authorKeys.live,
        undefined,
        before,
        count,
      );
      if (!read.live) return undefined;
    }
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
  sets: readonly string[],
  live: string,
  hash: string | undefined,
  before: Entry | undefined,
  count: number,
): Promise<{ live: boolean; sets: SetRead[]; hash: Record<string, string> }> {
  const ttl = config.fanoutActiveDays * 24 * 3600;
  const max = before ? String(before.timeMs) : '+inf';
  const pipeline = redis.pipeline().exists(live);
  for (const set of sets) {
    pipeline
      .zrevrangebyscore(set, max, '-inf', 'WITHSCORES', 'LIMIT', 0, count + TIE_SLACK)
      .zcard(set)
      .zrange(set, 0, 0, 'WITHSCORES');
  }
  if (hash) pipeline.hgetall(hash);
  // Reading a feed keeps it active: its keys live another FANOUT_ACTIVE_DAYS.
  for (const key of [live, ...sets, ...(hash ? [hash] : [])]) pipeline.expire(key, ttl);
  const results = (await pipeline.exec()) ?? [];
  const value = (index: number): unknown => {
    const [error, result] = results[index] ?? [null, null];
    if (error) throw Object.assign(error, { transient: true });
    return result;
  };
  const reads: SetRead[] = sets.map((_, i) => {
    const base = 1 + i * 3;
    const flat = value(base) as string[];
    const entries: Entry[] = [];
    for (let j = 0; j + 1 < flat.length; j += 2) {
      const entry = { id: flat[j] ?? '', timeMs: Number(flat[j + 1]) };
      if (!before || compareEntriesDesc(entry, before) > 0) entries.push(entry);
    }
    const card = value(base + 1) as number;
    const lowest = value(base + 2) as string[];
    const floor =
      card >= config.timelineMax && lowest[0] !== undefined
        ? { id: lowest[0], timeMs: Number(lowest[1]) }
        : undefined;
    return { entries, floor };
  });
  const hashValue = hash ? (value(1 + sets.length * 3) as Record<string, string>) : {};
  return { live: value(0) === 1, sets: reads, hash: hashValue };
}
