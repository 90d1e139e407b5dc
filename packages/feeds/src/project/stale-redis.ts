import { type Position, START } from '@tideline/event-store';
import { dropFeedKeys } from '@tideline/fanout';
import type { Redis } from 'ioredis';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { FeedsConfig } from '../config.js';
import { REGENERATION_LOCK } from '../regeneration-lock.js';
import { appliedMarkerKey, markerCovers, readAppliedMarker } from './applied-marker.js';
import { readRedisApplied } from './redis-applied.js';

/** What a freshness check found and did. */
export interface StaleRedisReport {
  /** The marker Redis held (`undefined`: none). */
  marker: string | undefined;
  /** What PostgreSQL says Redis must hold at least. */
  required: Position | undefined;
  /** Feed keys and cached bodies dropped (0 on an empty Redis: fresh or flushed). */
  droppedKeys: number;
}

/**
 * Drops every feed key and cached body and writes a marker at `position`, vouching for
 * the now-empty Redis; every feed regenerates from PostgreSQL on its next read. The
 * caller holds the regeneration lock exclusively, so no batch or regeneration writes in
 * between.
 */
export async function discardStaleRedis(
  redis: Redis,
  config: FeedsConfig,
  position: Position,
): Promise<number> {
  const dropped = await dropFeedKeys(redis, config);
  await redis.set(appliedMarkerKey(config.redisPrefix), position);
  return dropped;
}

/**
 * Whether Redis holds at least what PostgreSQL says the projector applied to it; if not
 * (restored from an older snapshot, failed over to a lagging replica, flushed), drops
 * it as `discardStaleRedis` does and reports it. The common case is one PostgreSQL row
 * and one GET, read in that order — the marker only moves up and is written before the
 * row commits, so a healthy Redis can never look behind — and takes no lock.
 *
 * @example
 * const stale = await checkRedisFreshness(db, redis, config);
 * if (stale) logger.warn(stale, 'Redis was older than the log; feeds regenerate');
 */
export async function checkRedisFreshness(
  db: Kysely<unknown>,
  redis: Redis,
  config: FeedsConfig,
): Promise<StaleRedisReport | undefined> {
  const required = await readRedisApplied(db);
  const marker = await readAppliedMarker(redis, config.redisPrefix);
  if (markerCovers(marker, required)) return undefined;
  return db.transaction().execute(async (tx) => {
    await lockExclusively(tx);
    const lockedRequired = await readRedisApplied(tx);
    const lockedMarker = await readAppliedMarker(redis, config.redisPrefix);
    if (markerCovers(lockedMarker, lockedRequired)) return undefined;
    const droppedKeys = await discardStaleRedis(redis, config, lockedRequired ?? START);
    return { marker: lockedMarker, required: lockedRequired, droppedKeys };
  });
}

/**
 * Drops every feed key and re-marks Redis as matching PostgreSQL — the last step of a
 * rebuild, after the replay. Returns the count of dropped keys.
 *
 * @example
 * await resetRedisFeeds(db, redis, config);
 */
export async function resetRedisFeeds(
  db: Kysely<unknown>,
  redis: Redis,
  config: FeedsConfig,
): Promise<number> {
  return db.transaction().execute(async (tx) => {
    await lockExclusively(tx);
    return discardStaleRedis(redis, config, (await readRedisApplied(tx)) ?? START);
  });
}

async function lockExclusively(tx: Transaction<unknown>): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${REGENERATION_LOCK})`.execute(tx);
}
