import type { Redis } from 'ioredis';
import type { FanoutConfig } from '../config.js';
import { isCluster } from '../timeline/is-cluster.js';
import { activityKey, feedKeys } from '../timeline/keys.js';
import { type ScriptedPipeline, withTimelineScripts } from '../timeline/scripts.js';
import { TOMBSTONE } from '../timeline/timeline-writes.js';
import type { FanoutJob } from './jobs.js';

/**
 * Carries out one fan-out job in one pipelined round trip (two for deliveries, which first
 * make sure the activity was not removed meanwhile). Every step is idempotent and guarded
 * per follower, so retries, duplicates and late jobs are harmless. Returns how many
 * timelines changed.
 *
 * @example
 * await processFanoutJob(redis, config, job.data);
 */
export async function processFanoutJob(
  redis: Redis,
  config: FanoutConfig,
  job: FanoutJob,
): Promise<number> {
  const scripted = withTimelineScripts(redis);
  const prefix = config.redisPrefix;
  const pipeline = scripted.pipeline() as ScriptedPipeline;
  switch (job.kind) {
    case 'deliver': {
      const keys = job.followers.map((follower) => feedKeys(prefix, follower));
      if (!isCluster(redis)) {
        // One script call for the whole batch, tombstone check included.
        const flat = keys.flatMap((k) => [k.live, k.fow, k.tl, k.trim]);
        const delivered = await scripted.tlDeliverMany(
          1 + flat.length,
          activityKey(prefix, job.id),
          ...flat,
          job.author,
          job.timeMs,
          job.id,
          config.timelineMax,
        );
        return Number(delivered);
      }
      // On Redis Cluster the followers' keys live in different slots: one script each.
      if ((await redis.get(activityKey(prefix, job.id))) === TOMBSTONE) return 0;
      for (const k of keys) {
        pipeline.tlDeliver(
          k.live,
          k.fow,
          k.tl,
          k.trim,
          job.author,
          job.timeMs,
          job.id,
          config.timelineMax,
        );
      }
      break;
    }
    case 'retract':
      for (const follower of job.followers) pipeline.zrem(feedKeys(prefix, follower).tl, job.id);
      break;
    case 'mode':
      for (const { follower, guard } of job.edges) {
        const keys = feedKeys(prefix, follower);
        const [target, other] = job.mode === 'read' ? [keys.for, keys.fow] : [keys.fow, keys.for];
        pipeline.tlAddModeIfSameEdge(keys.live, target, other, job.author, guard);
      }
      break;
  }
  const results = (await pipeline.exec()) ?? [];
  let changed = 0;
  for (const [error, result] of results) {
    if (error) throw error;
    changed += Number(result) > 0 ? 1 : 0;
  }
  return changed;
}
