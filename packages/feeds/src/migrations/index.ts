import type { Migration } from 'kysely';
import * as feeds from './0100-feeds.js';
import * as marks from './0101-marks.js';
import * as grouping from './0102-grouping.js';
import * as audit from './0103-audit.js';
import * as authorRecentEntries from './0104-author-recent-entries.js';
import * as redisApplied from './0105-redis-applied.js';

/** The feed read models' migrations, to pass to `migrateToLatest` beside the event store's. */
export const feedMigrations: Readonly<Record<string, Migration>> = {
  '0100-feeds': feeds,
  '0101-marks': marks,
  '0102-grouping': grouping,
  '0103-audit': audit,
  '0104-author-recent-entries': authorRecentEntries,
  '0105-redis-applied': redisApplied,
};
