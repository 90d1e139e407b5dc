import { type Kysely, sql } from 'kysely';

/**
 * Read models of the feed projector, and two indexes on the event log that let commands
 * consult the source of truth (not a lagging projection) for an activity's history.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Every activity ever added, with its current body; removed ones keep their row.
  await sql`
    CREATE TABLE feed_activities (
      id                text PRIMARY KEY,
      feed              text NOT NULL,
      foreign_id        text,
      time_ms           bigint NOT NULL,
      body              jsonb NOT NULL,
      own_feeds         text[] NOT NULL,
      added_position    text NOT NULL,
      removed_position  text
    )`.execute(db);

  // direct(F): one row per (own feed, live activity). Regeneration reads feeds from here.
  await sql`
    CREATE TABLE feed_entries (
      feed            text NOT NULL,
      time_ms         bigint NOT NULL,
      activity_id     text NOT NULL,
      added_position  text NOT NULL,
      PRIMARY KEY (feed, time_ms, activity_id)
    )`.execute(db);
  await sql`CREATE INDEX feed_entries_activity_idx ON feed_entries (activity_id)`.execute(db);

  // Current follow edges with their cutoff key; NULL cutoff = everything.
  await sql`
    CREATE TABLE follows (
      source             text NOT NULL,
      target             text NOT NULL,
      cutoff_ms          bigint,
      cutoff_id          text,
      followed_position  text NOT NULL,
      PRIMARY KEY (source, target)
    )`.execute(db);
  await sql`CREATE INDEX follows_target_idx ON follows (target, source)`.execute(db);

  // Edges ended with keepHistory: they contribute what was added before `until_position`.
  await sql`
    CREATE TABLE kept_follows (
      source          text NOT NULL,
      target          text NOT NULL,
      cutoff_ms       bigint,
      cutoff_id       text,
      until_position  text NOT NULL,
      PRIMARY KEY (source, target, until_position)
    )`.execute(db);

  // Exact counts; a feed fans out on write while followers <= FANOUT_THRESHOLD.
  await sql`
    CREATE TABLE follower_counts (
      feed           text PRIMARY KEY,
      followers      integer NOT NULL DEFAULT 0,
      following      integer NOT NULL DEFAULT 0
    )`.execute(db);

  await sql`
    CREATE INDEX events_activity_id_idx ON events ((data ->> 'id'))
    WHERE type IN ('ActivityAdded', 'ActivityUpdated', 'ActivityRemoved')`.execute(db);
  await sql`
    CREATE INDEX events_foreign_id_idx ON events (stream_id, (data ->> 'foreignId'))
    WHERE type = 'ActivityAdded'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX events_foreign_id_idx, events_activity_id_idx`.execute(db);
  await sql`DROP TABLE follower_counts, kept_follows, follows, feed_entries, feed_activities`.execute(
    db,
  );
}
