import { type Kysely, sql } from 'kysely';

/**
 * The position of the last batch whose Redis writes the feed projector made, committed
 * with its checkpoint. Redis carries the same position in its `applied` marker, written
 * after those writes; a Redis whose marker is behind this row came back from an older
 * state (a snapshot, a lagging replica) and is dropped (docs/feeds.md, "A Redis older
 * than the log"). No row: nothing recorded yet (a fresh install or a rebuild).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE feed_redis_applied (
      only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
      position  text NOT NULL
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE feed_redis_applied`.execute(db);
}
