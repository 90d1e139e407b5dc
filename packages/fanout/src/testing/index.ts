export * from './aggregated-model.js';
export { createFeedHarness, type FeedHarness } from './feed-harness.js';
export * from './operation-generator.js';
export * from './reference-model.js';
export * from './seeded-random.js';
