import { type Feed, feedSchema, parseInput, type StoredActivity } from '@tideline/domain';
import type { Entry } from '@tideline/fanout';
import { activityKey, BODY_TTL_SECONDS, isCluster, TOMBSTONE } from '@tideline/fanout';
import type { Redis } from 'ioredis';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { FeedsConfig } from '../config.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { compareEntriesDesc, contentPage } from './feed-queries.js';
import { redisCandidates, redisPage } from './read-candidates.js';
import { waitForMinPosition } from './wait-for-projection.js';

export interface ReadFeedOptions {
  limit?: number;
  cursor?: string | null;
  /** Read-your-writes: the answer reflects at least the write that returned this. */
  minPosition?: string | null;
}

export interface FeedPage {
  results: StoredActivity[];
  next: string | null;
}

const limitSchema = z.number().int().min(1).max(100);

export interface TimelineReaderDeps {
  db: Kysely<unknown>;
  redis: Redis;
  config: FeedsConfig;
  /** How long `minPosition` may wait for the projector. Default 5 s. */
  minPositionWaitMs?: number;
  /**
   * Read a page from Redis in one script call (default on a standalone Redis; a Cluster
   * refuses it, as the script touches many feeds' keys). `false` takes the Cluster's path.
   */
  pageScript?: boolean;
}

/**
 * Reads feeds: Redis first (fanned-out timeline ⊕ direct set ⊕ fan-out-on-read authors),
 * PostgreSQL when Redis cannot answer exactly (a page deeper than the capped sets, or a
 * `minPosition` to honour). Cold feeds are regenerated on the way.
 *
 * @example
 * const reader = createTimelineReader({ db, redis, config });
 * const { results, next } = await reader.readFeed('timeline:ana', { limit: 25 });
 */
export function createTimelineReader(deps: TimelineReaderDeps) {
  const { db, redis, config } = deps;
  const pageScript = deps.pageScript ?? !isCluster(redis);

  /** Cached body values (JSON, tombstone or null) of `ids`, in one round trip. */
  async function cachedBodies(ids: readonly string[]): Promise<Map<string, string | null>> {
    const keys = ids.map((id) => activityKey(config.redisPrefix, id));
    // MGET on a single Redis; on Redis Cluster the keys span slots, so one GET per key,
    // all sent at once rather than one after another.
    const values = isCluster(redis)
      ? await Promise.all(keys.map((key) => redis.get(key)))
      : await redis.mget(...keys);
    return new Map(ids.map((id, index) => [id, values[index] ?? null]));
  }

  /** Bodies of `ids` (null = removed): from the cache, the misses from PostgreSQL. */
  async function hydrate(
    ids: readonly string[],
    cached?: ReadonlyMap<string, string | null>,
  ): Promise<Map<string, StoredActivity | null>> {
    const bodies = new Map<string, StoredActivity | null>();
    if (ids.length === 0) return bodies;
    const values = cached ?? (await cachedBodies(ids));
    const misses: string[] = [];
    for (const id of ids) {
      const value = values.get(id);
      if (value === null || value === undefined) misses.push(id);
      else bodies.set(id, value === TOMBSTONE ? null : (JSON.parse(value) as StoredActivity));
    }
    if (misses.length > 0) {
      const rows = await sql<{ id: string; body: StoredActivity; removed_position: string | null }>`
        SELECT id, body, removed_position FROM feed_activities WHERE id = ANY(${misses}::text[])`.execute(
        db,
      );
      // NX: a body the projector wrote meanwhile (an update committing between our SELECT
      // and this write) is newer than what we read; never overwrite it.
      const fill = redis.pipeline();
      for (const row of rows.rows) {
        const body = row.removed_position === null ? row.body : null;
        bodies.set(row.id, body);
        fill.set(
          activityKey(config.redisPrefix, row.id),
          body ? JSON.stringify(body) : TOMBSTONE,
          'EX',
          BODY_TTL_SECONDS,
          'NX',
        );
      }
      await fill.exec();
    }
    return bodies;
  }

  /**
   * Candidates for a page, with their cached bodies where the read brought them: a
   * standalone Redis answers in one script call, a Cluster in round trips per slot;
   * PostgreSQL answers what Redis cannot answer exactly.
   */
  async function candidates(
    feed: Feed,
    before: Entry | undefined,
    count: number,
    exact: boolean,
  ): Promise<{ entries: Entry[]; cached?: Map<string, string | null> }> {
    if (!exact) {
      if (pageScript) {
        const page = await redisPage(db, redis, config, feed, before, count);
        if (page) return page;
      } else {
        const entries = await redisCandidates(db, redis, config, feed, before, count);
        if (entries) return { entries };
      }
    }
    return { entries: await contentPage(db, feed, count, before, config.fanoutThreshold) };
  }

  return {
    async readFeed(feedInput: string, options: ReadFeedOptions = {}): Promise<FeedPage> {
      const feed = parseInput(feedSchema, feedInput);
      const limit = parseInput(limitSchema, options.limit ?? 25);
      let before = options.cursor ? decodeCursor(options.cursor) : undefined;
      const minPosition = options.minPosition ?? undefined;
      if (minPosition !== undefined) {
        await waitForMinPosition(db, minPosition, deps.minPositionWaitMs ?? 5000);
      }
      const exact = minPosition !== undefined;
      const results: { entry: Entry; body: StoredActivity }[] = [];
      // One more than the page tells whether a next page exists.
      while (results.length <= limit) {
        const want = limit + 1 - results.length;
        const { entries: page, cached } = await candidates(feed, before, want + 5, exact);
        const bodies = await hydrate(
          page.map((entry) => entry.id),
          cached,
        );
        for (const entry of page) {
          const body = bodies.get(entry.id);
          if (body && results.length <= limit) results.push({ entry, body });
        }
        const last = page[page.length - 1];
        if (page.length < want + 5 || !last) break;
        before = last;
      }
      results.sort((a, b) => compareEntriesDesc(a.entry, b.entry));
      const page = results.slice(0, limit);
      const lastEntry = page[page.length - 1]?.entry;
      return {
        results: page.map((item) => item.body),
        next: results.length > limit && lastEntry ? encodeCursor(lastEntry) : null,
      };
    },
  };
}

export type TimelineReader = ReturnType<typeof createTimelineReader>;
