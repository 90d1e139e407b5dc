import { type Kysely, sql } from 'kysely';

/**
 * The audited read-model tables and the primary key an UPDATE's old and new rows are
 * paired by. `feed_groups` is left out: it is a summary the projector deletes and
 * re-inserts from `feed_entries` and `feed_activities` (both audited) whenever a batch
 * touches a group, so every state it takes follows from audited rows, and auditing it
 * would add two rows per touched group per batch that say nothing new.
 */
export const auditedTables: Readonly<Record<string, readonly string[]>> = {
  feed_activities: ['id'],
  feed_entries: ['feed', 'time_ms', 'activity_id'],
  follows: ['source', 'target'],
  kept_follows: ['source', 'target', 'until_position'],
  follower_counts: ['feed'],
  feed_marks: ['feed', 'group_id'],
  feed_mark_all: ['feed'],
};

const events = ['INSERT', 'UPDATE', 'DELETE'] as const;

/** The transition tables a statement trigger of `event` may name (PostgreSQL: one per event). */
function referencing(event: (typeof events)[number]): string {
  if (event === 'INSERT') return 'REFERENCING NEW TABLE AS audit_new';
  if (event === 'DELETE') return 'REFERENCING OLD TABLE AS audit_old';
  return 'REFERENCING OLD TABLE AS audit_old NEW TABLE AS audit_new';
}

/**
 * One set-based statement per triggering statement: `INSERT … SELECT` from the transition
 * tables, one audit row per changed row, no per-row loop. An UPDATE pairs old and new rows
 * by primary key (FULL JOIN, so a changed key would still show both halves).
 */
function auditFunction(table: string, key: readonly string[]): string {
  const pairing = key.map((column) => `o.${column} = n.${column}`).join(' AND ');
  return `
    CREATE FUNCTION audit_${table}() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      tx_id xid8 := pg_current_xact_id();
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_log (changed_at, transaction_id, table_name, operation, new_row)
        SELECT now(), tx_id, TG_TABLE_NAME, TG_OP, to_jsonb(n) FROM audit_new n;
      ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO audit_log (changed_at, transaction_id, table_name, operation, old_row, new_row)
        SELECT now(), tx_id, TG_TABLE_NAME, TG_OP, to_jsonb(o), to_jsonb(n)
        FROM audit_old o FULL JOIN audit_new n ON ${pairing};
      ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO audit_log (changed_at, transaction_id, table_name, operation, old_row)
        SELECT now(), tx_id, TG_TABLE_NAME, TG_OP, to_jsonb(o) FROM audit_old o;
      ELSE
        -- TRUNCATE (a projector reset before a rebuild): one row for the table, no images.
        INSERT INTO audit_log (changed_at, transaction_id, table_name, operation)
        VALUES (now(), tx_id, TG_TABLE_NAME, TG_OP);
      END IF;
      RETURN NULL;
    END
    $$`;
}

/**
 * The audit trail of the read models (docs/product.md §6, docs/audit-and-views.md): statement-level
 * AFTER triggers with transition tables write one `audit_log` row per inserted, updated
 * or deleted row — operation, table, old and new row as jsonb, the writing transaction's
 * id — and one row per TRUNCATE.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE audit_log (
      id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      changed_at      timestamptz NOT NULL,
      transaction_id  xid8 NOT NULL,
      table_name      text NOT NULL,
      operation       text NOT NULL
        CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')),
      old_row         jsonb,
      new_row         jsonb
    )`.execute(db);
  // Rows arrive in (nearly) time order: a BRIN index makes retention's range DELETE cheap
  // at a tiny fraction of a B-tree's size and insert cost.
  await sql`CREATE INDEX audit_log_changed_at_idx ON audit_log USING brin (changed_at)`.execute(db);

  for (const [table, key] of Object.entries(auditedTables)) {
    await sql.raw(auditFunction(table, key)).execute(db);
    for (const event of events) {
      await sql
        .raw(`
          CREATE TRIGGER audit_${event.toLowerCase()} AFTER ${event} ON ${table}
          ${referencing(event)}
          FOR EACH STATEMENT EXECUTE FUNCTION audit_${table}()`)
        .execute(db);
    }
    await sql
      .raw(`
        CREATE TRIGGER audit_truncate AFTER TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_${table}()`)
      .execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of Object.keys(auditedTables)) {
    for (const event of [...events, 'TRUNCATE']) {
      await sql.raw(`DROP TRIGGER audit_${event.toLowerCase()} ON ${table}`).execute(db);
    }
    await sql.raw(`DROP FUNCTION audit_${table}()`).execute(db);
  }
  await sql`DROP TABLE audit_log`.execute(db);
}
