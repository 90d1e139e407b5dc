export {
  defaultFeedsConfig,
  type FeedsConfig,
  type FeedsEnv,
  feedsConfigFromEnv,
  feedsEnvShape,
} from './config.js';
export { feedMigrations } from './migrations/index.js';
export { appliedMarkerKey } from './project/applied-marker.js';
export { type FeedMessage, feedChannel, feedMessages } from './project/feed-messages.js';
export { type FeedProjectorDeps, feedProjector } from './project/feed-projector.js';
export type { BatchChange } from './project/record-batch.js';
export {
  type RefreshOptions,
  type RefreshResult,
  refreshAuthorEntries,
} from './project/refresh-author-entries.js';
export {
  resetRedisFeeds,
  type StaleRedisReport,
} from './project/stale-redis.js';
export {
  type RedisFreshnessWatch,
  type WatchRedisFreshnessOptions,
  watchRedisFreshness,
} from './project/watch-redis-freshness.js';
export {
  type ActivityGroup,
  createAggregatedReader,
  type GroupPage,
} from './read/aggregated-reader.js';
export {
  type FeedSince,
  readEdgesAtCheckpoint,
  readFeedChanges,
} from './read/feed-changes-after.js';
export { contentPage } from './read/feed-queries.js';
export { type FollowPage, followPage } from './read/follow-lists.js';
export { regenerateFeed } from './read/regenerate-feed.js';
export {
  createTimelineReader,
  type FeedPage,
  type ReadFeedOptions,
  type TimelineReader,
} from './read/timeline-reader.js';
export { projectedOrForeign, waitForMinPosition } from './read/wait-for-projection.js';
export { type AddedActivity, addActivities, addActivity } from './write/add-activities.js';
export type { CommandContext } from './write/command-context.js';
export { type FollowResult, follow, followMany, unfollow } from './write/follow-feeds.js';
export { markFeed } from './write/mark-feed.js';
export { removeActivity } from './write/remove-activity.js';
export { updateActivity } from './write/update-activity.js';
