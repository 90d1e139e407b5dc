import type { Feed } from '@tideline/domain';
import { feedKeys, formatGuard, pairs } from '@tideline/fanout';
import type { Redis } from 'ioredis';
import { type Kysely, sql } from 'kysely';
import type { FeedsConfig } from '../config.js';
import { REGENERATION_LOCK } from '../regeneration-lock.js';
import { contributedEntries, directEntries, edgesFrom } from './feed-queries.js';

/**
 * Rebuilds all Redis keys of one feed from PostgreSQL — for a feed read cold, expired
 * (inactive follower) or lost with Redis. Holds the regeneration lock shared, so the
 * projector is between batches: what is read is committed, and no projector write can
 * land between this read and this write. Fan-out jobs that ran while the feed was absent
 * skipped it; their activities are in PostgreSQL already, hence in what is written here.
 *
 * @example
 * await regenerateFeed(db, redis, config, 'timeline:ana');
 */
export async function regenerateFeed(
  db: Kysely<unknown>,
  redis: Redis,
  config: FeedsConfig,
  feed: Feed,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock_shared(${REGENERATION_LOCK})`.execute(tx);
    const limit = config.timelineMax;
    const own = await directEntries(tx, feed, limit);
    const tl = await contributedEntries(tx, feed, {
      limit,
      targets: 'write',
      kept: true,
      threshold: config.fanoutThreshold,
    });
    const edges = await edgesFrom(tx, feed);
    const keys = feedKeys(config.redisPrefix, feed);
    const ttl = config.fanoutActiveDays * 24 * 3600;
    const multi = redis.multi().del(keys.own, keys.tl, keys.fow, keys.for, keys.trim);
    if (own.length > 0) multi.zadd(keys.own, ...pairs(own));
    if (tl.length > 0) multi.zadd(keys.tl, ...pairs(tl));
    // A full page may hide more below it: mark the set cut, as trimming would.
    if (own.length >= limit) multi.hset(keys.trim, 'own', '1');
    if (tl.length >= limit) multi.hset(keys.trim, 'tl', '1');
    for (const edge of edges) {
      const hash = edge.followers > config.fanoutThreshold ? keys.for : keys.fow;
      multi.hset(hash, edge.target, formatGuard(edge));
    }
    multi.set(keys.live, '1', 'EX', ttl);
    for (const key of [keys.own, keys.tl, keys.fow, keys.for, keys.trim]) multi.expire(key, ttl);
    const results = (await multi.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  });
}
