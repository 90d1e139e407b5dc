export * from './aggregated-model.js';
export { testRedisUrl } from './env.js';
export { createFeedHarness, type FeedHarness, waitForQuiet } from './feed-harness.js';
export * from './operation-generator.js';
export { startRedisServer, type TestRedisServer } from './redis-server.js';
export * from './reference-model.js';
export * from './seeded-random.js';
