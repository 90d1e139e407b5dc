import {
  type FeedGroupConfig,
  feedSchema,
  findFeedGroup,
  parseFeed,
  parseInput,
  type StoredActivity,
  TidelineError,
} from '@tideline/domain';
import { type Kysely, type QueryExecutorProvider, sql } from 'kysely';
import { z } from 'zod';
import type { FeedsConfig } from '../config.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { feedMarks } from './feed-marks.js';
import { compareEntriesDesc } from './feed-queries.js';
import {
  type GroupSummary,
  groupSummaries,
  hasFollowEdges,
  newestGroupMembers,
  storedGroupSummaries,
} from './group-summaries.js';
import { waitForMinPosition } from './wait-for-projection.js';

/** Activities shown per group, newest first; the counts cover every member. */
export const activitiesPerGroup = 15;

export interface ActivityGroup {
  /** The aggregation key; opaque to clients. */
  id: string;
  activities: StoredActivity[];
  activityCount: number;
  actorCount: number;
  /** The newest member's time. */
  updatedAt: string;
  isSeen?: boolean;
  isRead?: boolean;
}

export interface GroupPage {
  results: ActivityGroup[];
  next: string | null;
  unseen?: number;
  unread?: number;
}

const limitSchema = z.number().int().min(1).max(100);

/**
 * Reads aggregated and notification feeds: the feed's members (the same membership as a
 * flat feed) grouped by the group's aggregation key, newest group first, with exact counts
 * computed over every member in PostgreSQL — nothing is capped, so nothing is estimated.
 * Notification groups carry isSeen/isRead from the feed's marks, and every page the exact
 * unseen/unread counts over all groups.
 *
 * @example
 * const page = await createAggregatedReader({ db, config }).readGroups('notification:ana');
 */
export function createAggregatedReader(deps: {
  db: Kysely<unknown>;
  config: FeedsConfig;
  groups?: readonly FeedGroupConfig[];
  /** How long `minPosition` may wait for the projector. Default 5 s. */
  minPositionWaitMs?: number;
}) {
  const groups = deps.groups ?? deps.config.groups;
  return {
    async readGroups(
      feedInput: string,
      options: { limit?: number; cursor?: string | null; minPosition?: string | null } = {},
    ): Promise<GroupPage> {
      const feed = parseInput(feedSchema, feedInput);
      const limit = parseInput(limitSchema, options.limit ?? 25);
      const config = findFeedGroup(groups, parseFeed(feed).group);
      if (config === undefined || config.kind === 'flat') {
        throw new TidelineError(
          'VALIDATION_FAILED',
          'feed: must be an aggregated or notification feed',
          {
            fields: [{ path: 'feed', message: 'must be an aggregated or notification feed' }],
          },
        );
      }
      const after = options.cursor ? decodeCursor(options.cursor) : undefined;
      if (options.minPosition != null) {
        await waitForMinPosition(deps.db, options.minPosition, deps.minPositionWaitMs ?? 5000);
      }
      const notification = config.kind === 'notification';
      // One snapshot, so groups, members and marks agree with each other.
      const read = await deps.db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (tx) => {
          // A feed without follow edges has only direct members, whose group summaries the
          // projector keeps; otherwise every member is grouped at read time.
          const direct = !(await hasFollowEdges(tx, feed));
          const all = (
            direct
              ? await storedGroupSummaries(tx, feed)
              : await groupSummaries(tx, feed, config.aggregationKey, activitiesPerGroup)
          ).sort((a, b) => compareEntriesDesc(a.newest, b.newest));
          const older = after ? all.filter((g) => compareEntriesDesc(g.newest, after) > 0) : all;
          const page = older.slice(0, limit);
          const newest = direct
            ? await newestGroupMembers(
                tx,
                feed,
                page.map((group) => group.id),
                activitiesPerGroup,
              )
            : new Map(page.map((group) => [group.id, group.shown ?? []]));
          const marks = notification ? await feedMarks(tx, feed) : undefined;
          const bodies = await bodiesOf(tx, [...newest.values()].flat());
          return { all, older, page, newest, marks, bodies };
        });
      const { all, older, page, newest, marks, bodies } = read;
      // A group is seen when the latest mark covering it (all, or naming it) came after
      // its last member joined; positions are fixed-width hex, so they compare as text.
      const covered = (kind: 'seen' | 'read', group: GroupSummary) => {
        const latest = [marks?.all[kind], marks?.groups.get(group.id)?.[kind]]
          .filter((p) => p != null)
          .sort()
          .at(-1);
        return latest !== undefined && latest > group.lastJoined;
      };
      const results = page.map((group): ActivityGroup => {
        const activities = (newest.get(group.id) ?? []).flatMap((id) => bodies.get(id) ?? []);
        return {
          id: group.id,
          activities,
          activityCount: group.activityCount,
          actorCount: group.actorCount,
          updatedAt: activities[0]?.time ?? '',
          ...(notification
            ? { isSeen: covered('seen', group), isRead: covered('read', group) }
            : {}),
        };
      });
      const last = page[page.length - 1];
      return {
        results,
        next: last && older.length > page.length ? encodeCursor(last.newest) : null,
        ...(notification
          ? {
              unseen: all.filter((g) => !covered('seen', g)).length,
              unread: all.filter((g) => !covered('read', g)).length,
            }
          : {}),
      };
    },
  };
}

async function bodiesOf(
  db: QueryExecutorProvider,
  ids: readonly string[],
): Promise<Map<string, StoredActivity>> {
  if (ids.length === 0) return new Map();
  const rows = await sql<{ id: string; body: StoredActivity }>`
    SELECT id, body FROM feed_activities WHERE id = ANY(${ids}::text[])`.execute(db);
  return new Map(rows.rows.map((row) => [row.id, row.body]));
}
