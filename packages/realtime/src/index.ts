export { createFeedBus, type FeedBus, type FeedListener, feedChannel } from './feed-bus.js';
