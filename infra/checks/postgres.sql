-- The PostgreSQL checks of `pnpm feed doctor` and infra/scripts/schema-validator.sh: the one
-- implementation both run (the CLI through node-postgres, the script through psql). One
-- statement, reading only the catalogs (and kysely_migration when it exists), so it never
-- fails half-way; one row per check: status (ok | fail), name, message.
-- :'expected_migrations' is the comma-separated list of migrations this checkout ships
-- (psql substitutes it; the CLI substitutes the same quoted literal).
WITH
expected_migrations AS (
  SELECT unnest(string_to_array(:'expected_migrations', ',')) AS name
),
applied_migrations AS (
  SELECT unnest(string_to_array(
    CASE WHEN to_regclass('kysely_migration') IS NULL THEN NULL ELSE
      (xpath('/row/names/text()',
        query_to_xml('SELECT string_agg(name, '','' ORDER BY name) AS names FROM kysely_migration',
          false, true, '')))[1]::text
    END, ',')) AS name
),
-- What the migrations create, with the migration that creates each, so a failure can say
-- where the missing object comes from. Kept by hand; the doctor test runs this against a
-- freshly migrated database, so an object listed here that the migrations do not create
-- fails it.
expected_tables(migration, name) AS (VALUES
  ('0001-event-store', 'events'), ('0001-event-store', 'streams'),
  ('0001-event-store', 'consumer_checkpoints'), ('0001-event-store', 'dead_letters'),
  ('0002-consumer-leases', 'consumer_leases'),
  ('0100-feeds', 'feed_activities'), ('0100-feeds', 'feed_entries'), ('0100-feeds', 'follows'),
  ('0100-feeds', 'kept_follows'), ('0100-feeds', 'follower_counts'),
  ('0101-marks', 'feed_marks'), ('0101-marks', 'feed_mark_all'),
  ('0102-grouping', 'feed_groups'),
  ('0103-audit', 'audit_log'),
  ('0104-author-recent-entries', 'author_recent_entries_refresh'),
  ('0105-redis-applied', 'feed_redis_applied')
),
expected_indexes(migration, name) AS (VALUES
  ('0001-event-store', 'events.events_pkey'),
  ('0001-event-store', 'events.events_stream_version_key'),
  ('0001-event-store', 'events.events_event_id_key'),
  ('0001-event-store', 'events.events_transaction_position_idx'),
  ('0001-event-store', 'streams.streams_pkey'),
  ('0001-event-store', 'consumer_checkpoints.consumer_checkpoints_pkey'),
  ('0001-event-store', 'dead_letters.dead_letters_pkey'),
  ('0001-event-store', 'dead_letters.dead_letters_consumer_position_key'),
  ('0002-consumer-leases', 'consumer_leases.consumer_leases_pkey'),
  ('0100-feeds', 'events.events_activity_id_idx'),
  ('0100-feeds', 'events.events_foreign_id_idx'),
  ('0100-feeds', 'feed_activities.feed_activities_pkey'),
  ('0100-feeds', 'feed_entries.feed_entries_pkey'),
  ('0100-feeds', 'feed_entries.feed_entries_activity_idx'),
  ('0100-feeds', 'follows.follows_pkey'),
  ('0100-feeds', 'follows.follows_target_idx'),
  ('0100-feeds', 'kept_follows.kept_follows_pkey'),
  ('0100-feeds', 'follower_counts.follower_counts_pkey'),
  ('0101-marks', 'feed_marks.feed_marks_pkey'),
  ('0101-marks', 'feed_mark_all.feed_mark_all_pkey'),
  ('0102-grouping', 'feed_groups.feed_groups_pkey'),
  ('0102-grouping', 'feed_entries.feed_entries_group_idx'),
  ('0103-audit', 'audit_log.audit_log_pkey'),
  ('0103-audit', 'audit_log.audit_log_changed_at_idx'),
  ('0104-author-recent-entries', 'author_recent_entries_refresh.author_recent_entries_refresh_pkey'),
  ('0104-author-recent-entries', 'feed_entries.feed_entries_added_idx'),
  ('0104-author-recent-entries', 'feed_activities.feed_activities_removed_idx'),
  ('0105-redis-applied', 'feed_redis_applied.feed_redis_applied_pkey')
),
-- The log's row and TRUNCATE guards and its NOTIFY trigger (0001), and the statement-level
-- audit triggers with transition tables on every audited read-model table (0103).
expected_triggers(migration, tbl, name, ord) AS (
  SELECT '0001-event-store', 'events', t, o
  FROM unnest(ARRAY['events_immutable_rows', 'events_immutable_truncate', 'events_notify'])
    WITH ORDINALITY AS x(t, o)
  UNION ALL
  SELECT '0103-audit', tbl, t, 10 * tord + o
  FROM unnest(ARRAY['feed_activities', 'feed_entries', 'follows', 'kept_follows',
    'follower_counts', 'feed_marks', 'feed_mark_all']) WITH ORDINALITY AS a(tbl, tord),
    unnest(ARRAY['audit_insert', 'audit_update', 'audit_delete', 'audit_truncate'])
    WITH ORDINALITY AS x(t, o)
),
present_triggers AS (
  SELECT c.relname AS tbl, t.tgname AS name, t.tgenabled AS enabled
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace
),
trigger_state AS (
  SELECT e.migration, e.ord, e.name || ' on ' || e.tbl AS what,
    CASE WHEN p.name IS NULL THEN 'missing' WHEN p.enabled = 'D' THEN 'disabled' END AS problem
  FROM expected_triggers e LEFT JOIN present_triggers p ON p.tbl = e.tbl AND p.name = e.name
),
trigger_checks AS (
  SELECT migration,
    string_agg(what, ', ' ORDER BY ord) FILTER (WHERE problem = 'missing') AS missing,
    string_agg(what, ', ' ORDER BY ord) FILTER (WHERE problem = 'disabled') AS disabled,
    count(*) FILTER (WHERE problem IS NULL) AS fine
  FROM trigger_state GROUP BY migration
),
trigger_messages AS (
  SELECT migration, fine,
    concat_ws('; ',
      'missing ' || missing || ' (recreate it as migration ' || migration || ' does)',
      'disabled ' || disabled || ' (ALTER TABLE <table> ENABLE TRIGGER <trigger>)') AS problems
  FROM trigger_checks
),
missing_objects AS (
  SELECT string_agg(what, ', ' ORDER BY ord, what) AS missing FROM (
    SELECT 1 AS ord, 'table ' || e.name || ' (migration ' || e.migration || ')' AS what
    FROM expected_tables e
    WHERE NOT EXISTS (SELECT 1 FROM pg_tables t
      WHERE t.schemaname = current_schema() AND t.tablename = e.name)
    UNION ALL
    SELECT 2, 'index ' || e.name || ' (migration ' || e.migration || ')'
    FROM expected_indexes e
    WHERE NOT EXISTS (SELECT 1 FROM pg_indexes i
      WHERE i.schemaname = current_schema() AND i.tablename || '.' || i.indexname = e.name)
  ) m
),
view_state AS (
  SELECT
    (SELECT ispopulated FROM pg_matviews
      WHERE schemaname = current_schema() AND matviewname = 'author_recent_entries') AS populated,
    EXISTS (SELECT 1 FROM pg_index ix
      JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
      WHERE t.relname = 'author_recent_entries' AND i.relname = 'author_recent_entries_key'
        AND ix.indisunique AND t.relnamespace = current_schema()::regnamespace) AS indexed
)
SELECT status, name, message FROM (
  SELECT 1 AS ord, 'postgres: migrations applied' AS name,
    CASE WHEN to_regclass('kysely_migration') IS NULL
           OR (SELECT count(*) FROM applied_migrations) = 0 THEN 'fail'
         WHEN pending IS NOT NULL OR unknown IS NOT NULL THEN 'fail' ELSE 'ok' END AS status,
    CASE WHEN to_regclass('kysely_migration') IS NULL
           OR (SELECT count(*) FROM applied_migrations) = 0
           THEN 'no migrations applied yet; run `pnpm feed init`'
         WHEN pending IS NOT NULL THEN 'pending: ' || pending || '; run `pnpm feed init`'
         WHEN unknown IS NOT NULL THEN 'applied but unknown to this checkout: ' || unknown
           || '; the database is newer than the code, deploy the matching version'
         ELSE expected || ' of ' || expected || ' applied' END AS message
  FROM (SELECT
    (SELECT string_agg(name, ', ' ORDER BY name) FROM expected_migrations
      WHERE name NOT IN (SELECT name FROM applied_migrations)) AS pending,
    (SELECT string_agg(name, ', ' ORDER BY name) FROM applied_migrations
      WHERE name NOT IN (SELECT name FROM expected_migrations)) AS unknown,
    (SELECT count(*) FROM expected_migrations) AS expected) m
  UNION ALL
  SELECT 2, 'postgres: tables and indexes',
    CASE WHEN missing IS NULL THEN 'ok' ELSE 'fail' END,
    CASE WHEN missing IS NULL
      THEN (SELECT count(*) FROM expected_tables) || ' tables, '
        || (SELECT count(*) FROM expected_indexes) || ' indexes present'
      ELSE 'missing ' || missing || '; recreate it as that migration does (a fresh database: run `pnpm feed init`)'
    END
  FROM missing_objects
  UNION ALL
  SELECT 3, 'postgres: events immutability triggers',
    CASE WHEN problems = '' THEN 'ok' ELSE 'fail' END,
    CASE WHEN problems = ''
      THEN 'events_immutable_rows, events_immutable_truncate, events_notify enabled'
      ELSE problems END
  FROM trigger_messages WHERE migration = '0001-event-store'
  UNION ALL
  SELECT 4, 'postgres: audit triggers',
    CASE WHEN problems = '' THEN 'ok' ELSE 'fail' END,
    CASE WHEN problems = '' THEN '4 triggers on each of 7 tables' ELSE problems END
  FROM trigger_messages WHERE migration = '0103-audit'
  UNION ALL
  SELECT 5, 'postgres: materialized view author_recent_entries',
    CASE WHEN populated AND indexed THEN 'ok' ELSE 'fail' END,
    CASE WHEN populated IS NULL
           THEN 'missing; recreate it as migration 0104-author-recent-entries does'
         WHEN NOT indexed
           THEN 'unique index author_recent_entries_key missing; CREATE UNIQUE INDEX author_recent_entries_key ON author_recent_entries (feed, time_ms, activity_id), or REFRESH … CONCURRENTLY fails'
         WHEN NOT populated
           THEN 'not populated; REFRESH MATERIALIZED VIEW author_recent_entries'
         ELSE 'present with unique index author_recent_entries_key' END
  FROM view_state
) checks
ORDER BY ord;
