import { randomBytes } from 'node:crypto';
import { activityIdRandomBytes, formatActivityId } from '@tideline/domain';
import type { FeedsConfig } from '@tideline/feeds';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { GraphShape } from './fanout-data.js';

/** What the fan-out figures measuring the generated graph are given. */
export interface GraphFigureContext {
  db: Kysely<unknown>;
  redis: Redis;
  config: FeedsConfig;
  shape: GraphShape;
  quick: boolean;
  progress(message: string): void;
}

/** A fresh, valid activity id (ULID layout) for synthetic jobs. */
export function newActivityId(timeMs = Date.now()): string {
  return formatActivityId(timeMs, randomBytes(activityIdRandomBytes));
}

/** Runs `work` over `items` with at most `concurrency` in flight (one worker's slots). */
export async function runConcurrent<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < items.length; i = next++) await work(items[i] as T);
    }),
  );
}

/** Deletes every key under the bench's prefix (SCAN, never KEYS). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  const stream = redis.scanStream({ match: `${prefix}*`, count: 1000 });
  for await (const keys of stream as AsyncIterable<string[]>) {
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  }
  return deleted;
}
