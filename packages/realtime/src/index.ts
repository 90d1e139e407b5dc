export { feedChannel } from '@tideline/fanout';
export { createFeedBus, type FeedBus, type FeedListener } from './feed-bus.js';
