export {
  type ActivityGroup,
  activitiesPerGroup,
  createAggregatedReader,
  type GroupPage,
} from './aggregated-reader.js';
export { type AddedActivity, addActivities, addActivity } from './commands/add-activities.js';
export type { CommandContext } from './commands/command-context.js';
export { type FollowResult, follow, followMany, unfollow } from './commands/follow-feeds.js';
export { markFeed } from './commands/mark-feed.js';
export { removeActivity } from './commands/remove-activity.js';
export { updateActivity } from './commands/update-activity.js';
export {
  defaultFeedsConfig,
  type FeedsConfig,
  type FeedsEnv,
  feedsConfigFromEnv,
  feedsEnvShape,
} from './config.js';
export { decodeCursor, encodeCursor } from './cursor.js';
export { createFanoutQueue, createFanoutWorker } from './fanout-queue.js';
export { type FeedProjectorDeps, feedProjector } from './feed-projector.js';
export type { FanoutJob, FanoutQueue } from './jobs.js';
export { feedMigrations } from './migrations/index.js';
export { processFanoutJob } from './process-fanout-job.js';
export {
  type FeedSince,
  feedChangesAfter,
  readEdgesAtCheckpoint,
  readFeedChanges,
} from './read-model/feed-changes-after.js';
export { contentPage, type Entry, edgesFrom } from './read-model/feed-queries.js';
export { type FollowPage, followPage } from './read-model/follow-lists.js';
export type { BatchChange } from './read-model/record-batch.js';
export {
  type RefreshOptions,
  type RefreshResult,
  refreshAuthorEntries,
} from './read-model/refresh-author-entries.js';
export { awaitFeedProjection, waitForFeedProjection } from './read-model/wait-for-projection.js';
export { appliedMarkerKey } from './redis/applied-marker.js';
export { dropFeedKeys } from './redis/drop-feed-keys.js';
export { type FeedMessage, feedChannel, feedMessages } from './redis/feed-messages.js';
export { feedKeys } from './redis/keys.js';
export { regenerateFeed } from './redis/regenerate-feed.js';
export {
  checkRedisFreshness,
  resetRedisFeeds,
  type StaleRedisReport,
} from './redis/stale-redis.js';
export {
  type RedisFreshnessWatch,
  type WatchRedisFreshnessOptions,
  watchRedisFreshness,
} from './redis/watch-redis-freshness.js';
export { feedStream, followStream } from './streams.js';
export {
  createTimelineReader,
  type FeedPage,
  type ReadFeedOptions,
  type TimelineReader,
} from './timeline-reader.js';
