import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import * as eventStore from './migrations/0001-event-store.js';
import * as consumerLeases from './migrations/0002-consumer-leases.js';

/** The event store's own migrations; read-model packages bring theirs to `migrateToLatest`. */
export const eventStoreMigrations: Readonly<Record<string, Migration>> = {
  '0001-event-store': eventStore,
  '0002-consumer-leases': consumerLeases,
};

export interface MigrationReport {
  applied: string[];
}

/**
 * Brings the schema to the latest version: the event store's migrations plus `more`
 * (names sort globally, so prefix them with a number after ours). Safe to run from several processes at once:
 * Kysely's Migrator takes an advisory lock.
 *
 * @example
 * const { applied } = await migrateToLatest(db, feedMigrations);
 */
export async function migrateToLatest(
  db: Kysely<unknown>,
  more: Readonly<Record<string, Migration>> = {},
): Promise<MigrationReport> {
  for (const name of Object.keys(more)) {
    if (name in eventStoreMigrations)
      throw new Error(`migration ${name} clashes with the event store's`);
  }
  const all = { ...eventStoreMigrations, ...more };
  const provider: MigrationProvider = { getMigrations: async () => all };
  // The event store's series and each read-model package's are independent, so a new
  // event-store migration (0002) sorts before read-model ones a database already has
  // (0100…): applying it out of order is what an upgrade needs, not a corruption.
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error');
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${reason}`);
  }
  return { applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
