import { createDatabase, migrateToLatest } from '@tideline/event-store';
import { feedMigrations } from '@tideline/feeds';
import type { Logger } from 'pino';

/**
 * Brings the schema up to date once, before any server or worker starts, so they never
 * see a half-migrated database.
 */
export async function applyMigrations(databaseUrl: string, logger: Logger): Promise<string[]> {
  const db = createDatabase<unknown>({
    connectionString: databaseUrl,
    max: 1,
    applicationName: 'tideline-launcher',
  });
  try {
    const { applied } = await migrateToLatest(db, feedMigrations);
    logger.info({ applied }, applied.length ? 'applied migrations' : 'schema is up to date');
    return applied;
  } finally {
    await db.destroy();
  }
}
