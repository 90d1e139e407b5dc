import { type TidelineEvent, tidelineEventTypes } from '@tideline/domain';
import type { Position, Projection } from '@tideline/event-store';
import {
  type FanoutQueue,
  planFanout,
  type ScriptedPipeline,
  type TimelineChange,
  withTimelineScripts,
  writeFanout,
} from '@tideline/fanout';
import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { FeedsConfig } from '../config.js';
import { REGENERATION_LOCK } from '../regeneration-lock.js';
import { markApplied, readAppliedMarker } from './applied-marker.js';
import { feedMessages, publishFeedMessages } from './feed-messages.js';
import { pgFollowGraph } from './follow-graph.js';
import { recordBatch } from './record-batch.js';
import { recordRedisApplied } from './redis-applied.js';
import { discardStaleRedis, type StaleRedisReport } from './stale-redis.js';

export interface FeedProjectorDeps {
  redis: Redis;
  queue: FanoutQueue;
  config: FeedsConfig;
  /**
   * Rebuilding from scratch: write PostgreSQL only. The feed keys in Redis must be dropped
   * first (`dropFeedKeys`); every feed then regenerates from PostgreSQL on its next read,
   * so caching bodies and fanning out the whole history would be wasted work.
   */
  replay?: boolean;
  /**
   * Told when a batch found Redis older than what PostgreSQL says was applied to it (and
   * dropped its feed keys): worth a warning, since feeds were served stale until then.
   */
  onStaleRedis?: (report: StaleRedisReport) => void;
}

/**
 * The feed projector: keeps the follow graph and activities in PostgreSQL (in the
 * consumer's transaction), then hands the batch to fan-out (`planFanout`, `writeFanout`
 * from `@tideline/fanout`) for the direct sets, body cache and fan-out jobs in Redis. A batch costs a fixed number of statements and round trips, so
 * replaying the log is fast. It holds the regeneration lock for the batch, so a read that
 * rebuilds a feed from PostgreSQL never interleaves with it.
 *
 * Each batch also moves Redis's `applied` marker up to its position (after its writes and
 * jobs) and records that position in PostgreSQL; a Redis whose marker is behind what
 * PostgreSQL recorded came back older than the log, and the batch drops its feed keys.
 *
 * @example
 * const consumer = createConsumer({ db, connectionString, projection: feedProjector({ redis, queue, config }) });
 */
export function feedProjector(deps: FeedProjectorDeps): Projection<unknown, TidelineEvent> {
  const redis = withTimelineScripts(deps.redis);
  const { config } = deps;
  return {
    name: 'feeds',
    handles: tidelineEventTypes,
    async apply(events, { tx, checkLease }) {
      await sql`SELECT pg_advisory_xact_lock(${REGENERATION_LOCK})`.execute(tx);
      const { changes, crossings } = await recordBatch(tx, events, config);
      const position = events.at(-1)?.position;
      if (!position) return;
      const required = await recordRedisApplied(tx, position);
      if (!deps.replay) {
        const timeline = changes.filter(
          (change): change is (typeof changes)[number] & TimelineChange => change.kind !== 'marked',
        );
        const graph = pgFollowGraph(tx, config.fanoutThreshold);
        const plan = await planFanout({ graph, redis, changes: timeline, crossings, config });
        const pipeline = redis.pipeline() as ScriptedPipeline;
        writeFanout(pipeline, timeline, plan, config);
        // After the writes, so a subscriber that reads on a message finds what it announces.
        // A retried batch publishes again; consumers skip ids they have seen.
        publishFeedMessages(pipeline, config.redisPrefix, feedMessages(changes));
        // A leader woken from a stall must not write Redis: its batch will roll back.
        checkLease?.();
        const results = (await pipeline.exec()) ?? [];
        const failed = results.find(([error]) => error);
        if (failed?.[0]) throw Object.assign(failed[0], { transient: true });
        checkLease?.();
        await deps.queue.enqueue(plan.jobs);
      }
      // Replay too: the rebuilt tables and the marker must agree when the worker takes over.
      checkLease?.();
      if (!(await markAppliedOrFail(redis, config.redisPrefix, required, position))) {
        // This batch's writes went into the stale state as well: all of it goes, and every
        // feed regenerates from PostgreSQL (this batch included) once the lock is released.
        const marker = await readAppliedMarker(redis, config.redisPrefix);
        const droppedKeys = await discardStaleRedis(redis, config, position);
        deps.onStaleRedis?.({ marker, required, droppedKeys });
      }
    },
    async reset({ tx }) {
      await sql`TRUNCATE feed_activities, feed_entries, feed_groups, follows, kept_follows, follower_counts, feed_marks, feed_mark_all, feed_redis_applied`.execute(
        tx,
      );
    },
  };
}

/** `markApplied`, its Redis errors marked transient like the batch's other writes. */
async function markAppliedOrFail(
  redis: Redis,
  prefix: string,
  required: Position | undefined,
  position: Position,
): Promise<boolean> {
  try {
    return await markApplied(redis, prefix, required, position);
  } catch (error) {
    throw Object.assign(error instanceof Error ? error : new Error(String(error)), {
      transient: true,
    });
  }
}
