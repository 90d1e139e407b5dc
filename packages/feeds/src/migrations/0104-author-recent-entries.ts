import { type Kysely, sql } from 'kysely';

/**
 * A materialized view of the newest entries of every fan-out-on-read author's feed, read
 * by feed regeneration and the PostgreSQL fallback (docs/audit-and-views.md). The worker
 * refreshes it CONCURRENTLY; the one-row `author_recent_entries_refresh` records, in the
 * same transaction, the feed projector's checkpoint the view was computed at and what it
 * covers. Readers take the view's entries up to that position and only what changed
 * after it from the live tables — hence the two indexes on what changed — so an answer is
 * exact whatever the view's age.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE author_recent_entries_refresh (
      only_row       boolean PRIMARY KEY DEFAULT true CHECK (only_row),
      position       text,
      depth          integer NOT NULL,
      min_followers  integer NOT NULL,
      refreshed_at   timestamptz
    )`.execute(db);
  // No position yet: readers ignore the view until the first refresh records one.
  await sql`
    INSERT INTO author_recent_entries_refresh (depth, min_followers) VALUES (800, 10000)`.execute(
    db,
  );
  await sql`
    CREATE MATERIALIZED VIEW author_recent_entries AS
    SELECT c.feed, r.time_ms, r.activity_id, r.added_position, r.rank = s.depth AS is_floor
    FROM author_recent_entries_refresh s
    JOIN follower_counts c ON c.followers > s.min_followers
    CROSS JOIN LATERAL (
      SELECT e.time_ms, e.activity_id, e.added_position,
        row_number() OVER (ORDER BY e.time_ms DESC, e.activity_id DESC) AS rank
      FROM feed_entries e WHERE e.feed = c.feed
      ORDER BY e.time_ms DESC, e.activity_id DESC LIMIT s.depth
    ) AS r`.execute(db);
  // Unique: what REFRESH … CONCURRENTLY needs; also how readers find a feed's rows.
  await sql`
    CREATE UNIQUE INDEX author_recent_entries_key
    ON author_recent_entries (feed, time_ms, activity_id)`.execute(db);
  // What changed since the view's position: entries added after it, activities removed.
  await sql`CREATE INDEX feed_entries_added_idx ON feed_entries (feed, added_position)`.execute(db);
  await sql`
    CREATE INDEX feed_activities_removed_idx ON feed_activities (removed_position)
    WHERE removed_position IS NOT NULL`.execute(db);
  await sql.raw(newestFeedEntries).execute(db);
}

/**
 * The newest entries of one feed, strictly between two keys (an edge's cutoff, a page's
 * cursor) and, for a kept edge, added before `until`: from the view where it covers the
 * feed, plus what changed since, so the answer is exactly `feed_entries` now. PL/pgSQL so
 * its plans are cached per connection; STABLE so all its statements read the caller's
 * snapshot — the view, its position and the live rows agree.
 */
const newestFeedEntries = `
  CREATE FUNCTION newest_feed_entries(
    p_feed text, p_limit integer,
    p_before_ms bigint DEFAULT NULL, p_before_id text DEFAULT NULL,
    p_after_ms bigint DEFAULT NULL, p_after_id text DEFAULT NULL,
    p_until text DEFAULT NULL)
  RETURNS TABLE (time_ms bigint, activity_id text)
  LANGUAGE plpgsql STABLE AS $$
  #variable_conflict use_column
  DECLARE
    -- Absent bounds become keys beyond every entry, so each bound stays an index condition.
    below_ms bigint := coalesce(p_before_ms, 9223372036854775807);
    below_id text := CASE WHEN p_before_ms IS NULL THEN '' ELSE p_before_id END;
    above_ms bigint := coalesce(p_after_ms, -9223372036854775808);
    above_id text := CASE WHEN p_after_ms IS NULL THEN '' ELSE p_after_id END;
    view_position text;
    floor_ms bigint;
    floor_id text;
    floor_cut boolean;
    removed text[];
  BEGIN
    -- The view's position, unless it is ahead of the projector (reset for a rebuild and
    -- not replayed that far yet); positions are fixed-width hex and compare as text.
    SELECT s.position INTO view_position
    FROM author_recent_entries_refresh s JOIN consumer_checkpoints c ON c.name = 'feeds'
    WHERE s.position <= lpad(to_hex(c.transaction_id::text::bigint), 16, '0')
      || lpad(to_hex(c.position), 16, '0');
    IF view_position IS NOT NULL THEN
      SELECT l.time_ms, l.activity_id, l.is_floor INTO floor_ms, floor_id, floor_cut
      FROM author_recent_entries l WHERE l.feed = p_feed
      ORDER BY l.time_ms, l.activity_id LIMIT 1;
    END IF;

    IF floor_ms IS NULL THEN
      -- Not covered (or the view is unusable): the live rows.
      RETURN QUERY
        SELECT e.time_ms, e.activity_id FROM feed_entries e
        WHERE e.feed = p_feed
          AND (e.time_ms, e.activity_id) < (below_ms, below_id)
          AND (e.time_ms, e.activity_id) > (above_ms, above_id)
          AND (p_until IS NULL OR e.added_position < p_until)
        ORDER BY e.time_ms DESC, e.activity_id DESC LIMIT p_limit;
      RETURN;
    END IF;

    -- This feed's activities removed since the view's position: found among all the
    -- removals since then, so a fresh view makes this cheap and a stale one costs more.
    removed := ARRAY(
      SELECT a.id FROM feed_activities a
      WHERE a.removed_position > view_position AND p_feed = ANY (a.own_feeds));

    RETURN QUERY
      SELECT u.time_ms, u.activity_id FROM (
        -- 1. the view: the feed at its position, less what was removed since
        (SELECT v.time_ms, v.activity_id FROM author_recent_entries v
         WHERE v.feed = p_feed
           AND (v.time_ms, v.activity_id) < (below_ms, below_id)
           AND (v.time_ms, v.activity_id) > (above_ms, above_id)
           AND (p_until IS NULL OR v.added_position < p_until)
           AND v.activity_id <> ALL (removed)
         ORDER BY v.time_ms DESC, v.activity_id DESC LIMIT p_limit)
        UNION ALL
        -- 2. added since: found through (feed, added_position), then filtered and
        --    sorted. The OFFSET 0 fence keeps the bounds out of that scan, or the
        --    planner may walk the whole feed in key order looking for a few new rows.
        (SELECT d.time_ms, d.activity_id FROM (
           SELECT e.time_ms, e.activity_id, e.added_position FROM feed_entries e
           WHERE e.feed = p_feed AND e.added_position > view_position
           OFFSET 0) AS d
         WHERE (d.time_ms, d.activity_id) < (below_ms, below_id)
           AND (d.time_ms, d.activity_id) > (above_ms, above_id)
           AND (p_until IS NULL OR d.added_position < p_until)
         ORDER BY d.time_ms DESC, d.activity_id DESC LIMIT p_limit)
        UNION ALL
        -- 3. below the floor of a feed longer than the view keeps, as it was then
        (SELECT e.time_ms, e.activity_id FROM feed_entries e
         WHERE floor_cut AND e.feed = p_feed
           AND (e.time_ms, e.activity_id) < (floor_ms, floor_id)
           AND (e.time_ms, e.activity_id) < (below_ms, below_id)
           AND (e.time_ms, e.activity_id) > (above_ms, above_id)
           AND e.added_position <= view_position
           AND (p_until IS NULL OR e.added_position < p_until)
         ORDER BY e.time_ms DESC, e.activity_id DESC LIMIT p_limit)
      ) AS u
      ORDER BY u.time_ms DESC, u.activity_id DESC LIMIT p_limit;
  END
  $$`;

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION newest_feed_entries`.execute(db);
  await sql`DROP INDEX feed_activities_removed_idx, feed_entries_added_idx`.execute(db);
  await sql`DROP MATERIALIZED VIEW author_recent_entries`.execute(db);
  await sql`DROP TABLE author_recent_entries_refresh`.execute(db);
}
