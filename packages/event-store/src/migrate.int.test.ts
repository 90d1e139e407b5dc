import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventStoreMigrations, migrateToLatest } from './migrate.js';
import { createTestDatabase, type TestDatabase } from './testing/index.js';

let testDb: TestDatabase<unknown>;

beforeAll(async () => {
  testDb = await createTestDatabase('migrate', { migrate: false });
});
afterAll(() => testDb.destroy());

/** A read-model package's migration, numbered after the event store's like fanout's. */
const readModel: Record<string, Migration> = {
  '0100-read-model': {
    async up(db: Kysely<unknown>) {
      await sql`CREATE TABLE read_model (id int PRIMARY KEY)`.execute(db);
    },
  },
};

describe('migrateToLatest', () => {
  it('adds a new event-store migration to a database whose read models are newer', async () => {
    // Given a database migrated before 0002 existed: 0001, then a read model's 0100
    const { '0001-event-store': first } = eventStoreMigrations;
    if (!first) throw new Error('no 0001 migration');
    const before = new Migrator({
      db: testDb.db,
      provider: { getMigrations: async () => ({ '0001-event-store': first, ...readModel }) },
    });
    expect((await before.migrateToLatest()).error).toBeUndefined();

    // When this version migrates it
    const { applied } = await migrateToLatest(testDb.db, readModel);

    // Then 0002 is applied, out of name order, and nothing is applied twice
    expect(applied).toEqual(['0002-consumer-leases']);
    const leases = await sql<{ found: string | null }>`
      SELECT to_regclass('consumer_leases')::text AS found`.execute(testDb.db);
    expect(leases.rows[0]?.found).toBe('consumer_leases');
    expect((await migrateToLatest(testDb.db, readModel)).applied).toEqual([]);
  });
});
