import { type Position, START } from '@tideline/event-store';
import type { Redis } from 'ioredis';

/**
 * The key holding the position of the last projector batch whose Redis writes were made.
 * It has its own hash tag (one Cluster slot, like the queue's `{fanout}`) and no TTL, and
 * it is under the prefix, so `dropFeedKeys` drops it with the feeds it vouches for.
 */
export function appliedMarkerKey(prefix: string): string {
  return `${prefix}{applied}`;
}

// KEYS: marker. ARGV: the position Redis must hold ('' when PostgreSQL records none), the
// batch's position. Positions are fixed-width hex, so string order is log order. A
// missing marker is stale too: the keys it would vouch for cannot be trusted.
const markAppliedScript = `
local current = redis.call('GET', KEYS[1])
if not current or current < ARGV[1] then return 0 end
if ARGV[2] > current then redis.call('SET', KEYS[1], ARGV[2]) end
return 1`;

type MarkedRedis = Redis & {
  tlMarkApplied(marker: string, required: string, position: string): Promise<number>;
};

function withMarkScript(redis: Redis): MarkedRedis {
  const marked = redis as MarkedRedis;
  if (typeof marked.tlMarkApplied !== 'function') {
    redis.defineCommand('tlMarkApplied', { numberOfKeys: 1, lua: markAppliedScript });
  }
  return marked;
}

/**
 * Moves the marker up to `position` — after the batch's Redis writes and queued jobs, so
 * a snapshot that holds the new marker holds them too — unless Redis is behind
 * `required` (what PostgreSQL says earlier batches applied): then it returns false and
 * leaves the marker alone; the caller drops what Redis holds. One round trip.
 *
 * @example
 * if (!(await markApplied(redis, prefix, previous, batchPosition))) await dropStale();
 */
export async function markApplied(
  redis: Redis,
  prefix: string,
  required: Position | undefined,
  position: Position,
): Promise<boolean> {
  const reply = await withMarkScript(redis).tlMarkApplied(
    appliedMarkerKey(prefix),
    required ?? '',
    position,
  );
  return reply === 1;
}

/** The marker, or `undefined` when Redis has none (fresh, flushed, or from before it). */
export async function readAppliedMarker(redis: Redis, prefix: string): Promise<string | undefined> {
  return (await redis.get(appliedMarkerKey(prefix))) ?? undefined;
}

/** Whether a marker vouches for Redis holding everything up to `required`. */
export function markerCovers(marker: string | undefined, required: Position | undefined): boolean {
  return marker !== undefined && marker >= (required ?? START);
}
