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
