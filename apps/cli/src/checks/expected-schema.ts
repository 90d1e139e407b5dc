/**
 * What the migrations create and the doctor looks for, with the migration that creates
 * each, so a failure can say where the missing object comes from. Kept by hand: the
 * schema-checks test runs the doctor against a freshly migrated database, so an object
 * listed here that the migrations do not create fails that test.
 */
export const expectedIndexes: Readonly<Record<string, readonly string[]>> = {
  '0001-event-store': [
    'events.events_pkey',
    'events.events_stream_version_key',
    'events.events_event_id_key',
    'events.events_transaction_position_idx',
    'streams.streams_pkey',
    'consumer_checkpoints.consumer_checkpoints_pkey',
    'dead_letters.dead_letters_pkey',
    'dead_letters.dead_letters_consumer_position_key',
  ],
  '0100-feeds': [
    'events.events_activity_id_idx',
    'events.events_foreign_id_idx',
    'feed_activities.feed_activities_pkey',
    'feed_entries.feed_entries_pkey',
    'feed_entries.feed_entries_activity_idx',
    'follows.follows_pkey',
    'follows.follows_target_idx',
    'kept_follows.kept_follows_pkey',
    'follower_counts.follower_counts_pkey',
  ],
  '0101-marks': ['feed_marks.feed_marks_pkey', 'feed_mark_all.feed_mark_all_pkey'],
  '0102-grouping': ['feed_groups.feed_groups_pkey', 'feed_entries.feed_entries_group_idx'],
  '0103-audit': ['audit_log.audit_log_pkey', 'audit_log.audit_log_changed_at_idx'],
  '0104-author-recent-entries': [
    'author_recent_entries_refresh.author_recent_entries_refresh_pkey',
    'feed_entries.feed_entries_added_idx',
    'feed_activities.feed_activities_removed_idx',
  ],
};

/** The tables, by the migration that creates them. */
export const expectedTables: Readonly<Record<string, readonly string[]>> = {
  '0001-event-store': ['events', 'streams', 'consumer_checkpoints', 'dead_letters'],
  '0100-feeds': ['feed_activities', 'feed_entries', 'follows', 'kept_follows', 'follower_counts'],
  '0101-marks': ['feed_marks', 'feed_mark_all'],
  '0102-grouping': ['feed_groups'],
  '0103-audit': ['audit_log'],
  '0104-author-recent-entries': ['author_recent_entries_refresh'],
};

/** Row and TRUNCATE guards of migration 0001: the log is append-only. */
export const eventTriggers = [
  'events_immutable_rows',
  'events_immutable_truncate',
  'events_notify',
];

/**
 * The tables migration 0103 audits (its `auditedTables`, which @tideline/fanout does not
 * export); each carries one statement trigger per operation.
 */
export const auditedTables = [
  'feed_activities',
  'feed_entries',
  'follows',
  'kept_follows',
  'follower_counts',
  'feed_marks',
  'feed_mark_all',
] as const;
export const auditTriggers = ['audit_insert', 'audit_update', 'audit_delete', 'audit_truncate'];

export const materializedView = {
  name: 'author_recent_entries',
  index: 'author_recent_entries_key',
};
