export { batchInFlight, exited, spawnConsumerChild } from './consumer-processes.js';
export {
  digitBoundary,
  type EventAt,
  insertEventsAt,
} from './events-at-transaction-ids.js';
export { freePort } from './free-port.js';
export { projectAll } from './project-all.js';
export {
  type Delivery,
  deliveries,
  recordingMigrations,
  recordingProjection,
} from './recording-projection.js';
export { createTestDatabase, type TestDatabase } from './test-database.js';
export { waitFor } from './wait-for.js';
