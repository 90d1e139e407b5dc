export {
  type AppendOptions,
  type AppendResult,
  appendToStream,
  appendToStreams,
  lockStream,
  MAX_EVENTS_PER_APPEND,
  type StreamAppend,
} from './append-to-stream.js';
export { countEventsAfter, hasCaughtUp, readCheckpoint, type StartFrom } from './checkpoints.js';
export {
  type Consumer,
  type ConsumerOptions,
  type ConsumerStatus,
  createConsumer,
} from './consumer.js';
export { LeaseLostError, type LeaseState, readLease } from './consumer-lease.js';
export { type CreateDatabaseOptions, createDatabase } from './database.js';
export { type ExpectedVersion, IdempotencyConflictError, VersionConflictError } from './errors.js';
export { createEventStore, type EventStore } from './event-store.js';
export { eventStoreMigrations, type MigrationReport, migrateToLatest } from './migrate.js';
export {
  comparePositions,
  decodePosition,
  encodePosition,
  isPosition,
  type Position,
  positionOfRow,
  positionParts,
  START,
} from './position.js';
export {
  type BatchFence,
  type BatchOptions,
  defaultRetryPolicy,
  processBatch,
  type RetryPolicy,
} from './process-batch.js';
export {
  type EventShape,
  handledEvents,
  type Projection,
  type ProjectionContext,
  type StoredEventOf,
} from './projection.js';
export {
  hasEventAt,
  hasWithheldEvents,
  type ReadAllOptions,
  type ReadAllResult,
  readAll,
  readHead,
} from './read-all.js';
export { type ReadStreamOptions, readStream } from './read-stream.js';
export type * from './schema.js';
export type { EventMetadata, NewEvent, StoredEvent } from './stored-event.js';
export { isTransientError } from './transient-error.js';
