import { type Kysely, sql } from 'kysely';

/**
 * The event log, stream versions, consumer checkpoints and dead letters.
 *
 * Gap-safe global reads rely on `transaction_id` (xid8): a reader only takes rows whose
 * transaction id is below the oldest transaction still running, so a transaction that
 * commits late can never be overtaken (see read-all.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE events (
      position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
      stream_id       text NOT NULL,
      stream_version  bigint NOT NULL CHECK (stream_version > 0),
      event_id        uuid NOT NULL,
      type            text NOT NULL,
      data            jsonb NOT NULL,
      metadata        jsonb NOT NULL DEFAULT '{}',
      created_at      timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version),
      CONSTRAINT events_event_id_key UNIQUE (event_id)
    )`.execute(db);
  // The global poll orders and seeks by (transaction_id, position): this index makes it an
  // index scan with no sort.
  await sql`CREATE INDEX events_transaction_position_idx ON events (transaction_id, position)`.execute(
    db,
  );

  await sql`
    CREATE TABLE streams (
      stream_id  text PRIMARY KEY,
      version    bigint NOT NULL
    )`.execute(db);

  await sql`
    CREATE FUNCTION tideline_reject_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'events are immutable: % on events is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER events_immutable_rows BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION tideline_reject_event_change()`.execute(db);
  await sql`
    CREATE TRIGGER events_immutable_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION tideline_reject_event_change()`.execute(db);

  // One notification per appending statement, delivered at commit: consumers wake on it
  // instead of polling.
  await sql`
    CREATE FUNCTION tideline_notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('tideline_events', '');
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION tideline_notify_events()`.execute(db);

  await sql`
    CREATE TABLE consumer_checkpoints (
      name            text PRIMARY KEY,
      transaction_id  xid8 NOT NULL,
      position        bigint NOT NULL,
      updated_at      timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE dead_letters (
      id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      consumer        text NOT NULL,
      position        bigint NOT NULL,
      transaction_id  xid8 NOT NULL,
      event_id        uuid NOT NULL,
      type            text NOT NULL,
      error           text NOT NULL,
      attempts        integer NOT NULL,
      created_at      timestamptz NOT NULL DEFAULT now(),
      UNIQUE (consumer, position)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE dead_letters, consumer_checkpoints, streams`.execute(db);
  await sql`DROP TABLE events`.execute(db);
  await sql`DROP FUNCTION tideline_notify_events(), tideline_reject_event_change()`.execute(db);
}
