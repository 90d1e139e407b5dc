export { feedChannel } from '@tideline/feeds';
export { createFeedBus, type FeedBus, type FeedListener } from './feed-bus.js';
export {
  createFeedWatcher,
  type FeedWatcher,
  type FeedWatcherDeps,
  slowSubscriberError,
  type WatchMessage,
  type WatchOptions,
} from './feed-watcher.js';
export { type KeepWarmDeps, keepWatchedFeedsWarm } from './keep-watched-warm.js';
