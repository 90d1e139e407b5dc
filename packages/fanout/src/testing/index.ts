export * from './aggregated-model.js';
export { testRedisUrl } from './env.js';
export { createFeedHarness, type FeedHarness, waitForQuiet } from './feed-harness.js';
export { type FeedMismatchesOptions, feedMismatches } from './feed-mismatches.js';
export * from './operation-generator.js';
export { type RedisServerOptions, startRedisServer, type TestRedisServer } from './redis-server.js';
export * from './reference-model.js';
export { appliedOperations, type RunOperationsOptions, runOperations } from './run-operations.js';
export * from './seeded-random.js';
