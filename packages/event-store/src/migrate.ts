import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import * as eventStore from './migrations/0001-event-store.js';

/** The event store's own migrations; read-model packages bring theirs to `migrateToLatest`. */
export const eventStoreMigrations: Readonly<Record<string, Migration>> = {
  '0001-event-store': eventStore,
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
  const migrator = new Migrator({ db, provider });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error');
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${reason}`);
  }
  return { applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
