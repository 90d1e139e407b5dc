import { type Kysely, sql } from 'kysely';

/**
 * Seen/read marks of notification feeds, and the follow position of kept edges (a kept
 * member joined the feed when its edge was followed, which marks are compared with).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // The latest `seen: true` / `read: true` mark of a feed.
  await sql`
    CREATE TABLE feed_mark_all (
      feed           text PRIMARY KEY,
      seen_position  text,
      read_position  text
    )`.execute(db);
  // The latest mark naming one group of a feed.
  await sql`
    CREATE TABLE feed_marks (
      feed           text NOT NULL,
      group_id       text NOT NULL,
      seen_position  text,
      read_position  text,
      PRIMARY KEY (feed, group_id)
    )`.execute(db);
  await sql`ALTER TABLE kept_follows ADD COLUMN followed_position text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE kept_follows DROP COLUMN followed_position`.execute(db);
  await sql`DROP TABLE feed_marks, feed_mark_all`.execute(db);
}
