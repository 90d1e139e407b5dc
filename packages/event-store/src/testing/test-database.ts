import { randomBytes } from 'node:crypto';
import type { Kysely, Migration } from 'kysely';
import pg from 'pg';
import { createDatabase } from '../database.js';
import { migrateToLatest } from '../migrate.js';
import { testEnv } from './env.js';

export interface TestDatabase<DB> {
  db: Kysely<DB>;
  /** Connection string of this file's own database. */
  url: string;
  name: string;
  /** Closes the pool and drops the database. */
  destroy(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file, so files run in parallel without seeing
 * each other's data.
 *
 * @example
 * const testDb = await createTestDatabase('append');
 * afterAll(() => testDb.destroy());
 */
export async function createTestDatabase<DB = unknown>(
  label: string,
  options: { migrations?: Readonly<Record<string, Migration>>; migrate?: boolean } = {},
): Promise<TestDatabase<DB>> {
  const name = `tl_test_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = withDatabase(testEnv.adminUrl, name);
  const db = createDatabase<DB>({ connectionString: url, max: 20, applicationName: name });
  if (options.migrate !== false) await migrateToLatest(db as Kysely<unknown>, options.migrations);
  return {
    db,
    url,
    name,
    async destroy() {
      await db.destroy();
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: testEnv.adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
