import type { ActivityAddedData, Feed } from '@tideline/domain';
import type { Redis } from 'ioredis';
import { type FanoutConfig, fanoutMode } from './config.js';
import { admits, type Entry, entryOf, type FollowEdge, ownFeeds } from './entry.js';
import type { FollowGraph } from './follow-graph.js';
import { batches, type FanoutJob } from './queue/jobs.js';
import { feedKeys, formatGuard } from './timeline/keys.js';
import type { ScriptedPipeline } from './timeline/scripts.js';
import { timelineWrites } from './timeline/timeline-writes.js';

/** A change of one projected batch that touches Redis timelines, in log order. */
export type TimelineChange =
  | { kind: 'added'; activity: ActivityAddedData }
  | { kind: 'updated'; id: string; body: ActivityAddedData }
  | { kind: 'removed'; id: string; feeds: Feed[]; entry: Entry }
  | { kind: 'followed'; edge: FollowEdge; ended: boolean }
  | { kind: 'unfollowed'; edge: FollowEdge };

/** Targets whose follower count crossed the threshold during a batch, and which way. */
export type ThresholdCrossings = ReadonlyMap<Feed, { up: boolean; down: boolean }>;

/**
 * Everything a batch's Redis writes and jobs need, read from the batch's end state:
 * which followers are live, each target's mode, copies for new edges, recomputed
 * timelines after unfollows, and the jobs that deliver, retract and move edges.
 */
export interface FanoutPlan {
  live: Set<Feed>;
  mode: (feed: Feed) => 'read' | 'write';
  copies: Map<string, Entry[]>;
  timelines: Map<Feed, Entry[]>;
  jobs: FanoutJob[];
}

/**
 * Plans the hybrid fan-out of one batch (docs/product.md §3): an author with at most
 * `fanoutThreshold` followers fans out on write — a job delivers each activity to the
 * followers whose timelines are live — and a larger one on read, merged at read time.
 * Followers who are not live are left to regenerate on their next read. A target that
 * crossed the threshold moves every edge to its new mode (both ways if it crossed both
 * ways: jobs only ever add a guard and reads deduplicate).
 *
 * @example
 * const plan = await planFanout({ graph, redis, changes, crossings, config });
 * writeFanout(pipeline, changes, plan, config);
 * await queue.enqueue(plan.jobs);
 */
export async function planFanout({
  graph,
  redis,
  changes,
  crossings,
  config,
}: {
  graph: FollowGraph;
  redis: Redis;
  changes: readonly TimelineChange[];
  crossings: ThresholdCrossings;
  config: FanoutConfig;
}): Promise<FanoutPlan> {
  const edgeChanges = changes.filter((c) => c.kind === 'followed' || c.kind === 'unfollowed');
  const sources = [...new Set(edgeChanges.map((c) => c.edge.source))];
  const live = await liveFeeds(redis, config.redisPrefix, sources);
  const removedIds = new Set(changes.flatMap((c) => (c.kind === 'removed' ? [c.id] : [])));
  const added = changes.flatMap((c) =>
    c.kind === 'added' && !removedIds.has(c.activity.id) ? [c.activity] : [],
  );
  const removed = changes.flatMap((c) => (c.kind === 'removed' ? [c] : []));
  const authors = [
    ...new Set([...added.flatMap((a) => ownFeeds(a)), ...removed.flatMap((r) => r.feeds)]),
  ];
  const counts = await graph.followerCounts([
    ...new Set([...authors, ...edgeChanges.map((c) => c.edge.target)]),
  ]);
  const mode = (feed: Feed) => fanoutMode(counts.get(feed) ?? 0, config);

  const newEdges = edgeChanges.flatMap((c) =>
    c.kind === 'followed' && !c.ended && live.has(c.edge.source) && mode(c.edge.target) === 'write'
      ? [c.edge]
      : [],
  );
  const copies = await graph.contributionsOf(newEdges, config.timelineMax);
  const timelines = new Map<Feed, Entry[]>();
  for (const source of new Set(
    edgeChanges.flatMap((c) =>
      c.kind === 'unfollowed' && live.has(c.edge.source) ? [c.edge.source] : [],
    ),
  )) {
    timelines.set(source, await graph.writeTimeline(source, config.timelineMax));
  }

  const jobs: FanoutJob[] = [];
  const writers = await graph.edgesOfAuthors(authors.filter((a) => mode(a) === 'write'));
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
  const everyone = await graph.edgesOfAuthors([...new Set(removed.flatMap((r) => r.feeds))]);
  for (const removal of removed) {
    for (const author of removal.feeds) {
      const edges = (everyone.get(author) ?? []).filter((edge) => admits(edge, removal.entry));
      for (const batch of batches(edges, config.fanoutBatchSize)) {
        jobs.push({ kind: 'retract', id: removal.id, followers: batch.map((e) => e.source) });
      }
    }
  }
  jobs.push(...(await modeJobs(graph, crossings, config)));
  return { live, mode, copies, timelines, jobs };
}

/** Which of `feeds` have a live (complete, recently read) timeline in Redis. */
async function liveFeeds(redis: Redis, prefix: string, feeds: readonly Feed[]) {
  const live = new Set<Feed>();
  if (feeds.length === 0) return live;
  const probe = redis.pipeline();
  for (const feed of feeds) probe.exists(feedKeys(prefix, feed).live);
  const results = (await probe.exec()) ?? [];
  results.forEach(([error, found], index) => {
    const feed = feeds[index];
    if (!error && found === 1 && feed) live.add(feed);
  });
  return live;
}

/** A crossing target's edges, in batches, moved to each mode it crossed into. */
async function modeJobs(
  graph: FollowGraph,
  crossings: ThresholdCrossings,
  config: FanoutConfig,
): Promise<FanoutJob[]> {
  const jobs: FanoutJob[] = [];
  for (const [author, { up, down }] of crossings) {
    const edges = await graph.edgesTo(author);
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

/**
 * A batch's direct Redis writes, in log order, on one pipeline: authors' own sets, the
 * body cache and tombstones, and the follow edges of live followers (with the entries a
 * new fan-out-on-write edge copies in).
 */
export function writeFanout(
  pipeline: ScriptedPipeline,
  changes: readonly TimelineChange[],
  plan: FanoutPlan,
  config: FanoutConfig,
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
