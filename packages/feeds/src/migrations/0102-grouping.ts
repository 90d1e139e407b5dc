import { type Kysely, sql } from 'kysely';

/**
 * Aggregation keys, fixed when an activity is added:
 * - every activity's grouping values (`groupingValuesOf`: verb, object, actor, target, UTC
 *   day), so a read can group what follow edges contribute under any configured key;
 * - on each direct entry of an aggregated or notification feed, its group id under that
 *   feed's key, and a summary per group (`feed_groups`) kept by the projector, so a feed
 *   without follow edges — the usual notification feed — reads a page without touching
 *   every member.
 * Changing a group's aggregation key therefore means a rebuild (docs/feeds.md).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE feed_activities ADD COLUMN grouping text[]`.execute(db);
  await sql`
    UPDATE feed_activities SET grouping = ARRAY[
      body->>'verb', body->>'object', body->>'actor', coalesce(body->>'target', ''),
      to_char(to_timestamp(time_ms / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')]`.execute(db);
  await sql`ALTER TABLE feed_activities ALTER COLUMN grouping SET NOT NULL`.execute(db);

  await sql`ALTER TABLE feed_entries ADD COLUMN group_id text`.execute(db);
  await sql`
    CREATE INDEX feed_entries_group_idx
    ON feed_entries (feed, group_id, time_ms DESC, activity_id DESC)
    WHERE group_id IS NOT NULL`.execute(db);
  await sql`
    CREATE TABLE feed_groups (
      feed            text NOT NULL,
      group_id        text NOT NULL,
      newest_ms       bigint NOT NULL,
      newest_id       text NOT NULL,
      activity_count  integer NOT NULL,
      actor_count     integer NOT NULL,
      last_joined     text NOT NULL,
      PRIMARY KEY (feed, group_id)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE feed_groups`.execute(db);
  await sql`DROP INDEX feed_entries_group_idx`.execute(db);
  await sql`ALTER TABLE feed_entries DROP COLUMN group_id`.execute(db);
  await sql`ALTER TABLE feed_activities DROP COLUMN grouping`.execute(db);
}
