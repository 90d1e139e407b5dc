import type { Feed } from '@tideline/domain';
import type { Position, Projection } from '@tideline/event-store';
import type { Redis } from 'ioredis';
import { sql, type Transaction } from 'kysely';
import type { FeedsConfig } from './config.js';
import { batches, type FanoutJob, type FanoutQueue } from './jobs.js';
import { entryOf, ownFeeds } from './read-model/activity-entry.js';
import { contributionsOf } from './read-model/edge-contributions.js';
import {
  contributedEntries,
  type EdgeRow,
  type Entry,
  edgesTo,
} from './read-model/feed-queries.js';
import { admits, edgesOfAuthors, followerCounts } from './read-model/record-activities.js';
import { type BatchChange, recordBatch } from './read-model/record-batch.js';
import { recordRedisApplied } from './read-model/redis-applied.js';
import { markApplied, readAppliedMarker } from './redis/applied-marker.js';
import { feedMessages, publishFeedMessages } from './redis/feed-messages.js';
import { feedKeys, formatGuard } from './redis/keys.js';
import { REGENERATION_LOCK } from './redis/regeneration-lock.js';
import { type ScriptedPipeline, withTimelineScripts } from './redis/scripts.js';
import { discardStaleRedis, type StaleRedisReport } from './redis/stale-redis.js';
import { timelineWrites } from './redis/timeline-writes.js';

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
 * consumer's transaction), the direct sets and body cache in Redis, and puts write
 * fan-out on the queue. A batch costs a fixed number of statements and round trips, so
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
export function feedProjector(deps: FeedProjectorDeps): Projection<unknown> {
  const redis = withTimelineScripts(deps.redis);
  const { config } = deps;
  return {
    name: 'feeds',
    handles: [
      'ActivityAdded',
      'ActivityUpdated',
      'ActivityRemoved',
      'FeedFollowed',
      'FeedUnfollowed',
      'FeedMarked',
    ],
    async apply(events, { tx, checkLease }) {
      await sql`SELECT pg_advisory_xact_lock(${REGENERATION_LOCK})`.execute(tx);
      const { changes, crossings } = await recordBatch(tx, events, config);
      const position = events.at(-1)?.position;
      if (!position) return;
      const required = await recordRedisApplied(tx, position);
      if (!deps.replay) {
        const plan = await planRedis(tx, redis, changes, config);
        const pipeline = redis.pipeline() as ScriptedPipeline;
        writeChanges(pipeline, changes, plan, config);
        // After the writes, so a subscriber that reads on a message finds what it announces.
        // A retried batch publishes again; consumers skip ids they have seen.
        publishFeedMessages(pipeline, config.redisPrefix, feedMessages(changes));
        // A leader woken from a stall must not write Redis: its batch will roll back.
        checkLease?.();
        const results = (await pipeline.exec()) ?? [];
        const failed = results.find(([error]) => error);
        if (failed?.[0]) throw Object.assign(failed[0], { transient: true });
        const jobs = [...plan.jobs, ...(await modeJobs(tx, crossings, config))];
        checkLease?.();
        await deps.queue.enqueue(jobs);
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

interface RedisPlan {
  live: Set<Feed>;
  mode: (feed: Feed) => 'read' | 'write';
  copies: Map<string, Entry[]>;
  timelines: Map<Feed, Entry[]>;
  jobs: FanoutJob[];
}

/**
 * Everything the Redis writes and jobs need, read from the batch's end state: which
 * followers are live, each target's mode, copies for new edges, recomputed timelines
 * after unfollows, and the followers each activity goes to. Followers who are not live
 * are left to regenerate on their next read.
 */
async function planRedis(
  tx: Transaction<unknown>,
  redis: Redis,
  changes: readonly BatchChange[],
  config: FeedsConfig,
): Promise<RedisPlan> {
  const edgeChanges = changes.filter((c) => c.kind === 'followed' || c.kind === 'unfollowed');
  const sources = [...new Set(edgeChanges.map((c) => c.edge.source))];
  const live = new Set<Feed>();
  if (sources.length > 0) {
    const probe = redis.pipeline();
    for (const source of sources) probe.exists(feedKeys(config.redisPrefix, source).live);
    const results = (await probe.exec()) ?? [];
    results.forEach(([error, found], index) => {
      const source = sources[index];
      if (!error && found === 1 && source) live.add(source);
    });
  }
  const removedIds = new Set(changes.flatMap((c) => (c.kind === 'removed' ? [c.id] : [])));
  const added = changes.flatMap((c) =>
    c.kind === 'added' && !removedIds.has(c.activity.id) ? [c.activity] : [],
  );
  const removed = changes.flatMap((c) => (c.kind === 'removed' ? [c] : []));
  const authors = [
    ...new Set([...added.flatMap((a) => ownFeeds(a)), ...removed.flatMap((r) => r.feeds)]),
  ];
  const counts = await followerCounts(tx, [
    ...new Set([...authors, ...edgeChanges.map((c) => c.edge.target)]),
  ]);
  const mode = (feed: Feed) =>
    (counts.get(feed) ?? 0) > config.fanoutThreshold ? 'read' : 'write';

  const newEdges = edgeChanges.flatMap((c) =>
    c.kind === 'followed' && !c.ended && live.has(c.edge.source) && mode(c.edge.target) === 'write'
      ? [c.edge]
      : [],
  );
  const copies = await contributionsOf(tx, newEdges, config.timelineMax);
  const timelines = new Map<Feed, Entry[]>();
  for (const source of new Set(
    edgeChanges.flatMap((c) =>
      c.kind === 'unfollowed' && live.has(c.edge.source) ? [c.edge.source] : [],
    ),
  )) {
    timelines.set(
      source,
      await contributedEntries(tx, source, {
        limit: config.timelineMax,
        targets: 'write',
        kept: true,
        threshold: config.fanoutThreshold,
      }),
    );
  }

  const jobs: FanoutJob[] = [];
  const writers = await edgesOfAuthors(
    tx,
    authors.filter((a) => mode(a) === 'write'),
  );
  for (const activity of added) {
    const entry = entryOf(activity);
    for (const author of ownFeeds(activity)) {
      if (mode(author) !== 'write') continue;
      const edges = (writers.get(author) ?? []).filter((edge) => admits(edge, entry));
      for (const batch of batches(edges, config.fanoutBatchSize)) {
        jobs.push({
          kind: 'deliver',
          author,
          id: activity.id,
          timeMs: entry.timeMs,
          followers: batch.map((e) => e.source),
        });
      }
    }
  }
  // A removed activity may sit in timelines from any time its author fanned out on write.
  const everyone = await edgesOfAuthors(tx, [...new Set(removed.flatMap((r) => r.feeds))]);
  for (const removal of removed) {
    for (const author of removal.feeds) {
      const edges = (everyone.get(author) ?? []).filter((edge) => admits(edge, removal.entry));
      for (const batch of batches(edges, config.fanoutBatchSize)) {
        jobs.push({ kind: 'retract', id: removal.id, followers: batch.map((e) => e.source) });
      }
    }
  }
  return { live, mode, copies, timelines, jobs };
}

/** The batch's Redis writes, in log order, on one pipeline. */
function writeChanges(
  pipeline: ScriptedPipeline,
  changes: readonly BatchChange[],
  plan: RedisPlan,
  config: FeedsConfig,
): void {
  const writes = timelineWrites(pipeline, config.redisPrefix, config.timelineMax);
  for (const change of changes) {
    switch (change.kind) {
      case 'added':
        writes.cacheBody(change.activity.id, change.activity);
        writes.addDirect(ownFeeds(change.activity), entryOf(change.activity));
        break;
      case 'updated':
        writes.cacheBody(change.id, change.body);
        break;
      case 'removed':
        writes.tombstone(change.id);
        writes.removeDirect(change.feeds, change.id);
        break;
      case 'followed': {
        const { edge } = change;
        if (!plan.live.has(edge.source)) break;
        const copied = plan.copies.get(`${edge.source}>${edge.target}`) ?? [];
        writes.attachEdge(
          edge.source,
          edge.target,
          plan.mode(edge.target),
          formatGuard(edge),
          copied,
        );
        break;
      }
      case 'unfollowed': {
        const { edge } = change;
        if (!plan.live.has(edge.source)) break;
        writes.detachEdge(edge.source, edge.target, plan.timelines.get(edge.source) ?? []);
        break;
      }
    }
  }
}

/**
 * When a target crossed the threshold during the batch, every edge moves — both ways if
 * it crossed both ways, since jobs only ever add a guard and reads deduplicate.
 */
async function modeJobs(
  tx: Transaction<unknown>,
  crossings: ReadonlyMap<Feed, { up: boolean; down: boolean }>,
  config: FeedsConfig,
): Promise<FanoutJob[]> {
  const jobs: FanoutJob[] = [];
  for (const [author, { up, down }] of crossings) {
    const edges: EdgeRow[] = await edgesTo(tx, author);
    for (const mode of [...(up ? ['read' as const] : []), ...(down ? ['write' as const] : [])]) {
      for (const batch of batches(edges, config.fanoutBatchSize)) {
        jobs.push({
          kind: 'mode',
          author,
          mode,
          edges: batch.map((edge) => ({ follower: edge.source, guard: formatGuard(edge) })),
        });
      }
    }
  }
  return jobs;
}
