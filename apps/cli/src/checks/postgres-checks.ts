import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { eventStoreMigrations } from '@tideline/event-store';
import { feedMigrations } from '@tideline/feeds';
import { sql } from 'kysely';
import {
  type Check,
  type CheckContext,
  type CheckResult,
  type CheckStatus,
  fail,
} from './check.js';

/**
 * The PostgreSQL checks are one SQL statement, `infra/checks/postgres.sql`, which
 * infra/scripts/schema-validator.sh runs through psql: this runs the same file, so the
 * script and `feed doctor` cannot disagree about what "healthy" means.
 */
export const postgresChecksFile = fileURLToPath(
  new URL('../../../../infra/checks/postgres.sql', import.meta.url),
);

/** The migrations this checkout ships, as the SQL's `:'expected_migrations'` list. */
export function expectedMigrations(): string {
  return Object.keys({ ...eventStoreMigrations, ...feedMigrations })
    .sort()
    .join(',');
}

/** A string as an SQL literal, as psql's `:'name'` substitution writes it. */
function sqlLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** One run of the checks statement per context: every check of a doctor run shares it. */
const runs = new WeakMap<CheckContext, Promise<Map<string, CheckResult>>>();

function checksStatement(context: CheckContext): Promise<Map<string, CheckResult>> {
  let run = runs.get(context);
  if (!run) {
    run = (async () => {
      const text = await readFile(postgresChecksFile, 'utf8');
      const statement = text.replaceAll(":'expected_migrations'", sqlLiteral(expectedMigrations()));
      const result = await sql
        .raw<{ status: CheckStatus; name: string; message: string }>(statement)
        .execute(context.db);
      return new Map(result.rows.map((row) => [row.name, { ...row }]));
    })();
    runs.set(context, run);
  }
  return run;
}

const fromStatement = (name: string): Check => ({
  name,
  async run(context) {
    const result = (await checksStatement(context)).get(name);
    return result ?? fail(name, `not reported by ${postgresChecksFile}`);
  },
});

/** In print order; the names are the rows infra/checks/postgres.sql returns. */
export const postgresChecks: readonly Check[] = [
  'postgres: migrations applied',
  'postgres: tables and indexes',
  'postgres: events immutability triggers',
  'postgres: audit triggers',
  'postgres: materialized view author_recent_entries',
].map(fromStatement);
