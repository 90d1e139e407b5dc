export { defaultFanoutConfig, type FanoutConfig, fanoutMode } from './config.js';
export { admits, type Entry, entryOf, type FollowEdge, ownFeeds } from './entry.js';
export type { FollowGraph } from './follow-graph.js';
export {
  type FanoutPlan,
  planFanout,
  type ThresholdCrossings,
  type TimelineChange,
  writeFanout,
} from './plan-fanout.js';
export { createFanoutQueue, createFanoutWorker } from './queue/fanout-queue.js';
export type { FanoutJob, FanoutQueue } from './queue/jobs.js';
export { processFanoutJob } from './queue/process-fanout-job.js';
export { dropFeedKeys } from './timeline/drop-feed-keys.js';
export { isCluster } from './timeline/is-cluster.js';
export {
  activityKey,
  type FeedKeys,
  feedKeys,
  formatGuard,
  parseGuard,
} from './timeline/keys.js';
export { type ScriptedPipeline, withTimelineScripts } from './timeline/scripts.js';
export { BODY_TTL_SECONDS, pairs, TOMBSTONE } from './timeline/timeline-writes.js';
