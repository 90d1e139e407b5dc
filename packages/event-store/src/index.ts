export { type CreateDatabaseOptions, createDatabase } from './database.js';
export { eventStoreMigrations, type MigrationReport, migrateToLatest } from './migrate.js';
export type * from './schema.js';
