export * from './aggregated-model.js';
export { createFeedHarness, type FeedHarness, waitForQuiet } from './feed-harness.js';
export { type FeedMismatchesOptions, feedMismatches } from './feed-mismatches.js';
export * from './operation-generator.js';
export * from './reference-model.js';
export { appliedOperations, type RunOperationsOptions, runOperations } from './run-operations.js';
export * from './seeded-random.js';
