import type { ActivityAddedData, Feed } from '@tideline/domain';
import { waitFor } from '@tideline/event-store/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultFanoutConfig, type FanoutConfig } from './config.js';
import { admits, type Entry, entryOf, type FollowEdge } from './entry.js';
import type { FollowGraph } from './follow-graph.js';
import {
  type FanoutPlan,
  planFanout,
  type ThresholdCrossings,
  type TimelineChange,
  writeFanout,
} from './plan-fanout.js';
import { createFanoutQueue, createFanoutWorker } from './queue/fanout-queue.js';
import { processFanoutJob } from './queue/process-fanout-job.js';
import { testRedisUrl } from './testing/env.js';
import { feedKeys } from './timeline/keys.js';
import { type ScriptedPipeline, withTimelineScripts } from './timeline/scripts.js';

/**
 * Fan-out proper against a real Redis, with the follow graph held in memory: the
 * write-or-read choice by follower count, delivery only to live timelines above each
 * edge's cutoff, retraction, mode moves across the threshold, and the BullMQ queue.
 */

const config: FanoutConfig = {
  ...defaultFanoutConfig,
  redisPrefix: `t:fanout:${process.pid}:`,
  fanoutThreshold: 2,
  fanoutBatchSize: 2,
};

/** A follow graph in memory: edges, and the entries of each author's feed. */
function memoryGraph() {
  const edges: FollowEdge[] = [];
  const entries = new Map<Feed, Entry[]>();
  const newestFirst = (list: Entry[]) =>
    [...list].sort((a, b) => b.timeMs - a.timeMs || (a.id < b.id ? 1 : -1));
  const graph: FollowGraph = {
    async followerCounts(feeds) {
      return new Map(feeds.map((feed) => [feed, edges.filter((e) => e.target === feed).length]));
    },
    async edgesOfAuthors(authors) {
      return new Map(authors.map((a) => [a, edges.filter((e) => e.target === a)]));
    },
    async edgesTo(author) {
      return edges.filter((e) => e.target === author);
    },
    async contributionsOf(list, limit) {
      return new Map(
        list.map((edge) => [
          `${edge.source}>${edge.target}`,
          newestFirst(entries.get(edge.target) ?? [])
            .filter((entry) => admits(edge, entry))
            .slice(0, limit),
        ]),
      );
    },
    async writeTimeline(feed, limit) {
      const followed = edges.filter((e) => e.source === feed);
      return newestFirst(followed.flatMap((e) => entries.get(e.target) ?? [])).slice(0, limit);
    },
  };
  return {
    graph,
    follow(source: Feed, target: Feed, cutoff?: Entry): FollowEdge {
      const edge = {
        source,
        target,
        cutoffMs: cutoff?.timeMs ?? null,
        cutoffId: cutoff?.id ?? null,
        followedPosition: String(edges.length + 1).padStart(32, '0'),
      };
      edges.push(edge);
      return edge;
    },
    post(activity: ActivityAddedData) {
      entries.set(activity.feed, [...(entries.get(activity.feed) ?? []), entryOf(activity)]);
    },
  };
}

function activity(feed: Feed, id: string, time: string): ActivityAddedData {
  return {
    id,
    feed,
    actor: feed.split(':')[1] ?? 'someone',
    verb: 'post',
    object: `note:${id}`,
    time,
    to: [],
    extra: {},
  };
}

let redis: Redis;
let memory: ReturnType<typeof memoryGraph>;

beforeAll(() => {
  redis = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  const keys = await redis.keys(`${config.redisPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});
beforeEach(async () => {
  const keys = await redis.keys(`${config.redisPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  memory = memoryGraph();
});

/** Makes a follower's timeline live, as a read that regenerated it would. */
async function makeLive(feed: Feed): Promise<void> {
  await redis.set(feedKeys(config.redisPrefix, feed).live, '1', 'EX', 3600);
}

/** Plans one batch, writes its direct changes and runs its jobs in-process. */
async function project(
  changes: TimelineChange[],
  crossings: ThresholdCrossings = new Map(),
): Promise<FanoutPlan> {
  const scripted = withTimelineScripts(redis);
  const plan = await planFanout({ graph: memory.graph, redis, changes, crossings, config });
  const pipeline = scripted.pipeline() as ScriptedPipeline;
  writeFanout(pipeline, changes, plan, config);
  await pipeline.exec();
  for (const job of plan.jobs) await processFanoutJob(redis, config, job);
  return plan;
}

const timeline = (feed: Feed) => redis.zrevrange(feedKeys(config.redisPrefix, feed).tl, 0, -1);

describe('planFanout', () => {
  it('delivers an author under the threshold to its live followers only', async () => {
    await makeLive('timeline:ana');
    const edges = [
      memory.follow('timeline:ana', 'user:bob'),
      memory.follow('timeline:cy', 'user:bob'),
    ];
    await project(edges.map((edge) => ({ kind: 'followed', edge, ended: false })));
    const post = activity('user:bob', 'a1', '2026-01-01T00:00:00.000Z');
    memory.post(post);
    const plan = await project([{ kind: 'added', activity: post }]);

    expect(plan.mode('user:bob')).toBe('write');
    expect(plan.jobs).toEqual([
      {
        kind: 'deliver',
        author: 'user:bob',
        id: 'a1',
        timeMs: Date.parse(post.time),
        followers: ['timeline:ana', 'timeline:cy'],
      },
    ]);
    expect(await timeline('timeline:ana')).toEqual(['a1']);
    expect(await timeline('timeline:cy')).toEqual([]);
    expect(await redis.zrange(feedKeys(config.redisPrefix, 'user:bob').own, 0, -1)).toEqual([]);
  });

  it('leaves an author over the threshold to be merged at read time', async () => {
    await makeLive('timeline:ana');
    const edges = ['timeline:ana', 'timeline:cy', 'timeline:dee'].map((source) =>
      memory.follow(source, 'user:star'),
    );
    const plan = await project(edges.map((edge) => ({ kind: 'followed', edge, ended: false })));
    expect(plan.mode('user:star')).toBe('read');
    expect(await redis.hkeys(feedKeys(config.redisPrefix, 'timeline:ana').for)).toEqual([
      'user:star',
    ]);

    const post = activity('user:star', 's1', '2026-01-01T00:00:00.000Z');
    const after = await project([{ kind: 'added', activity: post }]);
    expect(after.jobs).toEqual([]);
    expect(await timeline('timeline:ana')).toEqual([]);
  });

  it('skips entries at or below an edge cutoff and splits jobs into batches', async () => {
    const old = activity('user:bob', 'a0', '2026-01-01T00:00:00.000Z');
    memory.post(old);
    for (const feed of ['timeline:ana', 'timeline:cy']) await makeLive(feed);
    const edges = [
      memory.follow('timeline:ana', 'user:bob', entryOf(old)),
      memory.follow('timeline:cy', 'user:bob'),
    ];
    await project(edges.map((edge) => ({ kind: 'followed', edge, ended: false })));
    // The edge without a cutoff copied the author's existing entry in; the other did not.
    expect(await timeline('timeline:cy')).toEqual(['a0']);
    expect(await timeline('timeline:ana')).toEqual([]);

    const next = activity('user:bob', 'a2', '2026-01-02T00:00:00.000Z');
    memory.post(next);
    await project([{ kind: 'added', activity: next }]);
    expect(await timeline('timeline:ana')).toEqual(['a2']);
    expect(await timeline('timeline:cy')).toEqual(['a2', 'a0']);
  });

  it('retracts a removed activity from every follower timeline', async () => {
    for (const feed of ['timeline:ana', 'timeline:cy']) await makeLive(feed);
    const edges = ['timeline:ana', 'timeline:cy'].map((s) => memory.follow(s, 'user:bob'));
    await project(edges.map((edge) => ({ kind: 'followed', edge, ended: false })));
    const post = activity('user:bob', 'a1', '2026-01-01T00:00:00.000Z');
    memory.post(post);
    await project([{ kind: 'added', activity: post }]);
    expect(await timeline('timeline:cy')).toEqual(['a1']);

    const plan = await project([
      { kind: 'removed', id: 'a1', feeds: ['user:bob'], entry: entryOf(post) },
    ]);
    expect(plan.jobs.map((job) => job.kind)).toEqual(['retract']);
    expect(await timeline('timeline:ana')).toEqual([]);
    expect(await timeline('timeline:cy')).toEqual([]);
  });

  it('moves every edge of a target that crossed the threshold to read mode, in batches', async () => {
    const sources = ['timeline:ana', 'timeline:cy', 'timeline:dee'];
    for (const feed of sources) await makeLive(feed);
    // Two followers: fan-out on write.
    const first = sources.slice(0, 2).map((s) => memory.follow(s, 'user:bob'));
    await project(first.map((edge) => ({ kind: 'followed', edge, ended: false })));
    expect(await redis.hkeys(feedKeys(config.redisPrefix, 'timeline:ana').fow)).toEqual([
      'user:bob',
    ]);
    // The third crosses the threshold: every edge moves to fan-out on read.
    const third = memory.follow('timeline:dee', 'user:bob');
    const plan = await project(
      [{ kind: 'followed', edge: third, ended: false }],
      new Map([['user:bob', { up: true, down: false }]]),
    );
    expect(plan.jobs.filter((job) => job.kind === 'mode').map((job) => job.edges.length)).toEqual([
      2, 1,
    ]);
    // Mode jobs only ever add a guard (reads deduplicate): the old write-mode guards stay,
    // and the edge attached in this batch went straight to read mode.
    for (const feed of sources) {
      expect(await redis.hkeys(feedKeys(config.redisPrefix, feed).for)).toEqual(['user:bob']);
    }
    expect(await redis.hkeys(feedKeys(config.redisPrefix, 'timeline:dee').fow)).toEqual([]);
  });
});

describe('the fan-out queue', () => {
  it('runs enqueued jobs on a BullMQ worker until every timeline has the activity', async () => {
    const connection = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
    const queue = createFanoutQueue({ connection, config });
    const worker = createFanoutWorker({ connection: connection.duplicate(), redis, config });
    try {
      const followers = ['timeline:ana', 'timeline:cy', 'timeline:dee'];
      for (const feed of followers) await makeLive(feed);
      const edges = followers.slice(0, 2).map((s) => memory.follow(s, 'user:bob'));
      await project(edges.map((edge) => ({ kind: 'followed', edge, ended: false })));
      const post = activity('user:bob', 'q1', '2026-01-01T00:00:00.000Z');
      const plan = await planFanout({
        graph: memory.graph,
        redis,
        changes: [{ kind: 'added', activity: post }],
        crossings: new Map(),
        config,
      });
      await queue.enqueue(plan.jobs);
      await waitFor(async () => {
        const lists = await Promise.all(followers.slice(0, 2).map(timeline));
        return lists.every((list) => list.includes('q1'));
      });
      expect(await timeline('timeline:dee')).toEqual([]);
      await waitFor(async () => (await queue.depth()) === 0);
    } finally {
      await worker.close();
      await queue.close();
      await connection.quit();
    }
  });
});
