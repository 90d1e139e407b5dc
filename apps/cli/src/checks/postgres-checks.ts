import { eventStoreMigrations } from '@tideline/event-store';
import { feedMigrations } from '@tideline/fanout';
import { sql } from 'kysely';
import { type Check, fail, ok } from './check.js';
import {
  auditedTables,
  auditTriggers,
  eventTriggers,
  expectedIndexes,
  expectedTables,
  materializedView,
} from './expected-schema.js';

const INIT = 'run `pnpm feed init`';

/** Every migration the service ships is recorded as applied. */
export const migrationsApplied: Check = {
  name: 'postgres: migrations applied',
  async run({ db }) {
    const name = this.name;
    const expected = Object.keys({ ...eventStoreMigrations, ...feedMigrations }).sort();
    const exists = await sql<{ found: boolean }>`
      SELECT to_regclass('kysely_migration') IS NOT NULL AS found`.execute(db);
    if (!exists.rows[0]?.found) return fail(name, `no migrations applied yet; ${INIT}`);
    const rows = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(db);
    const applied = new Set(rows.rows.map((r) => r.name));
    const pending = expected.filter((m) => !applied.has(m));
    if (pending.length > 0) return fail(name, `pending: ${pending.join(', ')}; ${INIT}`);
    const unknown = [...applied].filter((m) => !expected.includes(m));
    if (unknown.length > 0) {
      return fail(
        name,
        `applied but unknown to this checkout: ${unknown.join(', ')}; the database is newer than the code, deploy the matching version`,
      );
    }
    return ok(name, `${expected.length} of ${expected.length} applied`);
  },
};

/** The event store's and the read models' tables and their indexes. */
export const tablesAndIndexes: Check = {
  name: 'postgres: tables and indexes',
  async run({ db }) {
    const name = this.name;
    const tables = await sql<{ name: string }>`
      SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()`.execute(db);
    const haveTables = new Set(tables.rows.map((r) => r.name));
    const indexes = await sql<{ name: string }>`
      SELECT tablename || '.' || indexname AS name FROM pg_indexes
      WHERE schemaname = current_schema()`.execute(db);
    const haveIndexes = new Set(indexes.rows.map((r) => r.name));
    const missing: string[] = [];
    for (const [migration, list] of Object.entries(expectedTables)) {
      for (const table of list) {
        if (!haveTables.has(table)) missing.push(`table ${table} (migration ${migration})`);
      }
    }
    for (const [migration, list] of Object.entries(expectedIndexes)) {
      for (const index of list) {
        if (!haveIndexes.has(index)) missing.push(`index ${index} (migration ${migration})`);
      }
    }
    if (missing.length > 0) {
      return fail(
        name,
        `missing ${missing.join(', ')}; recreate it as that migration does (a fresh database: ${INIT})`,
      );
    }
    const tableCount = Object.values(expectedTables).flat().length;
    const indexCount = Object.values(expectedIndexes).flat().length;
    return ok(name, `${tableCount} tables, ${indexCount} indexes present`);
  },
};

interface TriggerRow {
  table_name: string;
  trigger_name: string;
  enabled: string;
}

/** Triggers of `tables` by `table.trigger`, with pg_trigger.tgenabled ('D' = disabled). */
async function triggersOf(
  db: Parameters<Check['run']>[0]['db'],
  tables: readonly string[],
): Promise<Map<string, string>> {
  const result = await sql<TriggerRow>`
    SELECT c.relname AS table_name, t.tgname AS trigger_name, t.tgenabled AS enabled
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace
      AND c.relname = ANY (${tables as string[]})`.execute(db);
  return new Map(result.rows.map((r) => [`${r.table_name}.${r.trigger_name}`, r.enabled]));
}

function triggerProblems(
  found: Map<string, string>,
  tables: readonly string[],
  triggers: readonly string[],
): { missing: string[]; disabled: string[] } {
  const missing: string[] = [];
  const disabled: string[] = [];
  for (const table of tables) {
    for (const trigger of triggers) {
      const state = found.get(`${table}.${trigger}`);
      if (state === undefined) missing.push(`${trigger} on ${table}`);
      else if (state === 'D') disabled.push(`${trigger} on ${table}`);
    }
  }
  return { missing, disabled };
}

function describeProblems(
  problems: { missing: string[]; disabled: string[] },
  migration: string,
): string {
  const parts: string[] = [];
  if (problems.missing.length > 0) {
    parts.push(
      `missing ${problems.missing.join(', ')} (recreate it as migration ${migration} does)`,
    );
  }
  if (problems.disabled.length > 0) {
    parts.push(
      `disabled ${problems.disabled.join(', ')} (ALTER TABLE <table> ENABLE TRIGGER <trigger>)`,
    );
  }
  return parts.join('; ');
}

/** The log's immutability guards and its NOTIFY trigger exist and are enabled. */
export const eventLogTriggers: Check = {
  name: 'postgres: events immutability triggers',
  async run({ db }) {
    const name = this.name;
    const problems = triggerProblems(await triggersOf(db, ['events']), ['events'], eventTriggers);
    if (problems.missing.length + problems.disabled.length > 0) {
      return fail(name, describeProblems(problems, '0001-event-store'));
    }
    return ok(name, `${eventTriggers.join(', ')} enabled`);
  },
};

/** Every audited read-model table has its four statement-level audit triggers, enabled. */
export const auditTriggersEnabled: Check = {
  name: 'postgres: audit triggers',
  async run({ db }) {
    const name = this.name;
    const found = await triggersOf(db, auditedTables);
    const problems = triggerProblems(found, auditedTables, auditTriggers);
    if (problems.missing.length + problems.disabled.length > 0) {
      return fail(name, describeProblems(problems, '0103-audit'));
    }
    return ok(name, `${auditTriggers.length} triggers on each of ${auditedTables.length} tables`);
  },
};

/** The materialized view and the unique index REFRESH … CONCURRENTLY needs. */
export const authorRecentEntriesView: Check = {
  name: 'postgres: materialized view author_recent_entries',
  async run({ db }) {
    const name = this.name;
    const view = await sql<{ populated: boolean }>`
      SELECT ispopulated AS populated FROM pg_matviews
      WHERE schemaname = current_schema() AND matviewname = ${materializedView.name}`.execute(db);
    const row = view.rows[0];
    if (!row) {
      return fail(name, `missing; recreate it as migration 0104-author-recent-entries does`);
    }
    const index = await sql<{ unique: boolean }>`
      SELECT ix.indisunique AS unique FROM pg_index ix
      JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
      WHERE t.relname = ${materializedView.name} AND i.relname = ${materializedView.index}
        AND t.relnamespace = current_schema()::regnamespace`.execute(db);
    if (!index.rows[0]?.unique) {
      return fail(
        name,
        `unique index ${materializedView.index} missing; CREATE UNIQUE INDEX ${materializedView.index} ON ${materializedView.name} (feed, time_ms, activity_id), or REFRESH … CONCURRENTLY fails`,
      );
    }
    if (!row.populated) {
      return fail(name, `not populated; REFRESH MATERIALIZED VIEW ${materializedView.name}`);
    }
    return ok(name, `present with unique index ${materializedView.index}`);
  },
};

export const postgresChecks: readonly Check[] = [
  migrationsApplied,
  tablesAndIndexes,
  eventLogTriggers,
  auditTriggersEnabled,
  authorRecentEntriesView,
];
