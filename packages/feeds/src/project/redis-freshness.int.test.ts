import { START } from '@tideline/event-store';
import { feedKeys } from '@tideline/fanout';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedHarness, type FeedHarness } from '../testing/index.js';
import { addActivity } from '../write/add-activities.js';
import { appliedMarkerKey } from './applied-marker.js';
import { checkRedisFreshness, resetRedisFeeds } from './stale-redis.js';

/**
 * The `applied` marker against PostgreSQL's record: a fresh, healthy or restarted stack
 * is never dropped; a Redis behind the log, or with feed keys and no marker, is.
 */

let h: FeedHarness;

beforeAll(async () => {
  h = await createFeedHarness('redis_freshness');
});
afterAll(async () => {
  await h.destroy();
});

async function projected(): Promise<string> {
  await addActivity(h.testDb.db, 'user:ana', { actor: 'ana', verb: 'post', object: 'note:1' });
  await h.quiesce();
  await h.readAllIds('timeline:ana');
  const marker = await h.redis.get(appliedMarkerKey(h.config.redisPrefix));
  if (!marker) throw new Error('no marker after a batch');
  return marker;
}

describe('the Redis freshness check', () => {
  it('marks a fresh Redis without dropping anything, and leaves a healthy one alone', async () => {
    await h.redis.set(`${h.config.redisPrefix}{fanout}:probe`, '1');
    const fresh = await checkRedisFreshness(h.testDb.db, h.redis, h.config);
    expect(fresh).toEqual({ marker: undefined, required: undefined, droppedKeys: 0 });
    expect(await h.redis.get(appliedMarkerKey(h.config.redisPrefix))).toBe(START);

    h.start();
    await projected();
    // What a restarted worker does first: the marker is at the row, so nothing happens.
    expect(await checkRedisFreshness(h.testDb.db, h.redis, h.config)).toBeUndefined();
    expect(h.staleReports).toEqual([]);
  });

  it('drops the feed keys, not the queue, when the marker is behind the log', async () => {
    const marker = await projected();
    const keys = feedKeys(h.config.redisPrefix, 'timeline:ana');
    expect(await h.redis.exists(keys.live)).toBe(1);
    await h.redis.set(appliedMarkerKey(h.config.redisPrefix), START);

    const report = await checkRedisFreshness(h.testDb.db, h.redis, h.config);

    expect(report?.marker).toBe(START);
    expect(report?.required).toBe(marker);
    expect(report?.droppedKeys).toBeGreaterThan(0);
    expect(await h.redis.exists(keys.live)).toBe(0);
    expect(await h.redis.get(`${h.config.redisPrefix}{fanout}:probe`)).toBe('1');
    expect(await h.redis.get(appliedMarkerKey(h.config.redisPrefix))).toBe(marker);
  });

  it('drops feed keys left without a marker', async () => {
    await projected();
    await h.redis.del(appliedMarkerKey(h.config.redisPrefix));
    const report = await checkRedisFreshness(h.testDb.db, h.redis, h.config);
    expect(report?.droppedKeys).toBeGreaterThan(0);
    expect(await h.redis.exists(feedKeys(h.config.redisPrefix, 'timeline:ana').live)).toBe(0);
  });

  it('has the next batch drop a stale Redis when no check ran first', async () => {
    await projected();
    await h.redis.set(appliedMarkerKey(h.config.redisPrefix), START);
    const before = h.staleReports.length;
    const marker = await projected();
    expect(h.staleReports.length).toBeGreaterThan(before);
    expect(marker > START).toBe(true);
    // Whoever dropped it, the feeds read right again from PostgreSQL.
    expect(await h.readAllIds('user:ana')).toHaveLength(5);
  });

  it('re-marks Redis at the position PostgreSQL records when a rebuild resets it', async () => {
    const marker = await projected();
    const dropped = await resetRedisFeeds(h.testDb.db, h.redis, h.config);
    expect(dropped).toBeGreaterThan(0);
    expect(await h.redis.get(appliedMarkerKey(h.config.redisPrefix))).toBe(marker);
    expect(await checkRedisFreshness(h.testDb.db, h.redis, h.config)).toBeUndefined();
  });
});
