import type {
  ActivityAddedData,
  ActivityRemovedData,
  ActivityUpdatedData,
  FeedFollowedData,
  FeedUnfollowedData,
} from '@tideline/domain';
import type { Projection, StoredEvent } from '@tideline/event-store';
import type { Redis } from 'ioredis';
import { sql, type Transaction } from 'kysely';
import type { FeedsConfig } from './config.js';
import { batches, type FanoutJob, type FanoutQueue } from './jobs.js';
import {
  entryOf,
  ownFeeds,
  recordActivityRemoved,
  recordActivityUpdated,
  recordUnfollowed,
} from './read-model/apply-events.js';
import { contributedEntries, edgesTo, followerCount } from './read-model/feed-queries.js';
import { admits, recordActivitiesAdded, writeFanoutEdges } from './read-model/record-activities.js';
import { contributionsOf, recordFollows } from './read-model/record-follows.js';
import { feedKeys, formatGuard } from './redis/keys.js';
import { REGENERATION_LOCK } from './redis/regeneration-lock.js';
import type { ScriptedPipeline } from './redis/scripts.js';
import { withTimelineScripts } from './redis/scripts.js';
import { timelineWrites } from './redis/timeline-writes.js';

export interface FeedProjectorDeps {
  redis: Redis;
  queue: FanoutQueue;
  config: FeedsConfig;
}

type Writes = ReturnType<typeof timelineWrites>;

/**
 * The feed projector: keeps the follow graph and activities in PostgreSQL (in the
 * consumer's transaction), the direct sets and body cache in Redis, and puts write
 * fan-out on the queue. It holds the regeneration lock for the batch, so a read that
 * rebuilds a feed from PostgreSQL never interleaves with it.
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
    ],
    async apply(events, { tx }) {
      await sql`SELECT pg_advisory_xact_lock(${REGENERATION_LOCK})`.execute(tx);
      const pipeline = redis.pipeline() as ScriptedPipeline;
      const writes = timelineWrites(pipeline, config.redisPrefix, config.timelineMax);
      const jobs: FanoutJob[] = [];
      for (const run of runsOf(events)) {
        if (run[0]?.type === 'ActivityAdded') await applyAddedRun(tx, run, writes, jobs, config);
        else if (run[0]?.type === 'FeedFollowed')
          await applyFollowedRun(tx, run, redis, writes, jobs, config);
        else for (const event of run) await applyEvent(tx, event, writes, jobs, config);
      }
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed?.[0]) throw Object.assign(failed[0], { transient: true });
      await deps.queue.enqueue(jobs);
    },
    async reset({ tx }) {
      await sql`TRUNCATE feed_activities, feed_entries, follows, kept_follows, follower_counts`.execute(
        tx,
      );
    },
  };
}

/** Splits a batch into runs of consecutive events of one type, in order. */
function runsOf(events: readonly StoredEvent[]): StoredEvent[][] {
  const runs: StoredEvent[][] = [];
  for (const event of events) {
    const last = runs[runs.length - 1];
    if (last && last[0]?.type === event.type) last.push(event);
    else runs.push([event]);
  }
  return runs;
}

/**
 * A run of added activities in a handful of statements, whatever its length: the live
 * path and a rebuild share it, and a rebuild is mostly such runs.
 */
async function applyAddedRun(
  tx: Transaction<unknown>,
  run: readonly StoredEvent[],
  writes: Writes,
  jobs: FanoutJob[],
  config: FeedsConfig,
): Promise<void> {
  const recorded = await recordActivitiesAdded(
    tx,
    run.map((event) => ({ activity: event.data as ActivityAddedData, position: event.position })),
  );
  const authors = [...new Set(recorded.flatMap(({ activity }) => ownFeeds(activity)))];
  const edgesByAuthor = await writeFanoutEdges(tx, authors, config.fanoutThreshold);
  for (const { activity } of recorded) {
    const entry = entryOf(activity);
    const feeds = ownFeeds(activity);
    writes.cacheBody(activity.id, activity);
    writes.addDirect(feeds, entry);
    for (const author of feeds) {
      const edges = (edgesByAuthor.get(author) ?? []).filter((edge) => admits(edge, entry));
      batches(edges, config.fanoutBatchSize).forEach((batch) => {
        jobs.push({
          kind: 'deliver',
          author,
          id: activity.id,
          timeMs: entry.timeMs,
          followers: batch.map((edge) => edge.source),
        });
      });
    }
  }
}

/**
 * A run of follows in a few statements. Only live followers (those with Redis keys) get
 * their guards and copies written; the others are regenerated when they next read.
 */
async function applyFollowedRun(
  tx: Transaction<unknown>,
  run: readonly StoredEvent[],
  redis: Redis,
  writes: Writes,
  jobs: FanoutJob[],
  config: FeedsConfig,
): Promise<void> {
  const { edges, counts } = await recordFollows(
    tx,
    run.map((event) => ({ follow: event.data as FeedFollowedData, position: event.position })),
  );
  if (edges.length === 0) return;
  const sources = [...new Set(edges.map((edge) => edge.source))];
  const liveness = redis.pipeline();
  for (const source of sources) liveness.exists(feedKeys(config.redisPrefix, source).live);
  const live = new Set(
    ((await liveness.exec()) ?? []).flatMap(([error, found], index) =>
      !error && found === 1 ? [sources[index] ?? ''] : [],
    ),
  );
  const modeOf = (target: string) =>
    (counts.get(target)?.after ?? 0) > config.fanoutThreshold ? 'read' : 'write';
  const liveEdges = edges.filter((edge) => live.has(edge.source));
  const copies = await contributionsOf(
    tx,
    liveEdges.filter((edge) => modeOf(edge.target) === 'write'),
    config.timelineMax,
  );
  for (const edge of liveEdges) {
    const copied = copies.get(`${edge.source}>${edge.target}`) ?? [];
    writes.attachEdge(edge.source, edge.target, modeOf(edge.target), formatGuard(edge), copied);
  }
  for (const [target, { before, after }] of counts) {
    await queueModeChange(tx, target, before, after, jobs, config);
  }
}

async function applyEvent(
  tx: Transaction<unknown>,
  event: StoredEvent,
  writes: Writes,
  jobs: FanoutJob[],
  config: FeedsConfig,
): Promise<void> {
  switch (event.type) {
    case 'ActivityUpdated': {
      const body = await recordActivityUpdated(tx, event.data as ActivityUpdatedData);
      if (body) writes.cacheBody(body.id, body);
      return;
    }
    case 'ActivityRemoved': {
      const removal = event.data as ActivityRemovedData;
      const removed = await recordActivityRemoved(tx, removal, event.position);
      if (!removed) return;
      writes.tombstone(removal.id);
      writes.removeDirect(removed.feeds, removal.id);
      for (const author of removed.feeds) {
        const followers = await followerCount(tx, author);
        if (followers === 0) continue;
        const edges = await edgesTo(tx, author, removed.entry);
        batches(edges, config.fanoutBatchSize).forEach((batch) => {
          jobs.push({
            kind: 'retract',
            id: removal.id,
            followers: batch.map((edge) => edge.source),
          });
        });
      }
      return;
    }
    case 'FeedUnfollowed': {
      const change = await recordUnfollowed(tx, event.data as FeedUnfollowedData, event.position);
      if (!change) return;
      const timeline = await contributedEntries(tx, change.edge.source, {
        limit: config.timelineMax,
        targets: 'write',
        kept: true,
        threshold: config.fanoutThreshold,
      });
      writes.detachEdge(change.edge.source, change.edge.target, timeline);
      await queueModeChange(tx, change.edge.target, change.before, change.after, jobs, config);
      return;
    }
  }
}

/** When follows or unfollows move a target across the threshold, move every edge. */
async function queueModeChange(
  tx: Transaction<unknown>,
  author: string,
  before: number,
  after: number,
  jobs: FanoutJob[],
  config: FeedsConfig,
): Promise<void> {
  const wasRead = before > config.fanoutThreshold;
  const isRead = after > config.fanoutThreshold;
  if (wasRead === isRead) return;
  const edges = await edgesTo(tx, author);
  batches(edges, config.fanoutBatchSize).forEach((batch) => {
    jobs.push({
      kind: 'mode',
      author,
      mode: isRead ? 'read' : 'write',
      edges: batch.map((edge) => ({ follower: edge.source, guard: formatGuard(edge) })),
    });
  });
}
