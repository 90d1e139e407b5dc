import {
  type AggregatableActivity,
  aggregationKeyOf,
  type FeedGroupConfig,
  feedSchema,
  findFeedGroup,
  parseFeed,
  parseInput,
  type StoredActivity,
  TidelineError,
} from '@tideline/domain';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { FeedsConfig } from './config.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { compareEntriesDesc, type Entry } from './read-model/feed-queries.js';
import { feedMarks, memberJoins } from './read-model/member-joins.js';

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
}) {
  const groups = deps.groups ?? deps.config.groups;
  return {
    async readGroups(
      feedInput: string,
      options: { limit?: number; cursor?: string | null } = {},
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
      const members = await memberJoins(deps.db, feed);
      const fields = await groupingFieldsOf(deps.db, members);
      const byKey = new Map<
        string,
        {
          newest: Entry;
          lastJoined: string;
          members: { entry: Entry; fields: AggregatableActivity }[];
        }
      >();
      for (const entry of members) {
        const activity = fields.get(entry.id);
        if (!activity) continue;
        const key = aggregationKeyOf(activity, config.aggregationKey);
        const group = byKey.get(key) ?? { newest: entry, lastJoined: '', members: [] };
        group.members.push({ entry, fields: activity });
        if (entry.joined > group.lastJoined) group.lastJoined = entry.joined;
        byKey.set(key, group);
      }
      const all = [...byKey.entries()].sort((a, b) => compareEntriesDesc(a[1].newest, b[1].newest));
      const older = after ? all.filter(([, g]) => compareEntriesDesc(g.newest, after) > 0) : all;
      const page = older.slice(0, limit);
      const notification = config.kind === 'notification';
      const marks = notification ? await feedMarks(deps.db, feed) : undefined;
      // A group is seen when the latest mark covering it (all, or naming it) came after
      // its last member joined; positions are fixed-width hex, so they compare as text.
      const covered = (kind: 'seen' | 'read', id: string, lastJoined: string) => {
        const latest = [marks?.all[kind], marks?.groups.get(id)?.[kind]]
          .filter((p) => p != null)
          .sort()
          .at(-1);
        return latest !== undefined && latest > lastJoined;
      };
      const shown = await bodiesOf(
        deps.db,
        page.flatMap(([, group]) =>
          group.members.slice(0, activitiesPerGroup).map((m) => m.entry.id),
        ),
      );
      const results = page.map(
        ([id, group]): ActivityGroup => ({
          id,
          activities: group.members
            .slice(0, activitiesPerGroup)
            .flatMap((m) => shown.get(m.entry.id) ?? []),
          activityCount: group.members.length,
          actorCount: new Set(group.members.map((m) => m.fields.actor)).size,
          updatedAt: group.members[0]?.fields.time ?? '',
          ...(notification
            ? {
                isSeen: covered('seen', id, group.lastJoined),
                isRead: covered('read', id, group.lastJoined),
              }
            : {}),
        }),
      );
      const last = page[page.length - 1];
      return {
        results,
        next: last && older.length > page.length ? encodeCursor(last[1].newest) : null,
        ...(notification
          ? {
              unseen: all.filter(([id, g]) => !covered('seen', id, g.lastJoined)).length,
              unread: all.filter(([id, g]) => !covered('read', id, g.lastJoined)).length,
            }
          : {}),
      };
    },
  };
}

/** The fields grouping needs, for every member — not the bodies, which only 15 per group need. */
async function groupingFieldsOf(
  db: Kysely<unknown>,
  members: readonly Entry[],
): Promise<Map<string, AggregatableActivity>> {
  if (members.length === 0) return new Map();
  const rows = await sql<{
    id: string;
    actor: string;
    verb: string;
    object: string;
    target: string | null;
    time: string;
  }>`
    SELECT id, body->>'actor' AS actor, body->>'verb' AS verb, body->>'object' AS object,
      body->>'target' AS target, body->>'time' AS time
    FROM feed_activities
    WHERE id = ANY(${members.map((m) => m.id)}::text[]) AND removed_position IS NULL`.execute(db);
  return new Map(
    rows.rows.map((row) => [
      row.id,
      {
        actor: row.actor,
        verb: row.verb,
        object: row.object,
        time: row.time,
        ...(row.target === null ? {} : { target: row.target }),
      },
    ]),
  );
}

async function bodiesOf(
  db: Kysely<unknown>,
  ids: readonly string[],
): Promise<Map<string, StoredActivity>> {
  if (ids.length === 0) return new Map();
  const rows = await sql<{ id: string; body: StoredActivity }>`
    SELECT id, body FROM feed_activities WHERE id = ANY(${ids}::text[])`.execute(db);
  return new Map(rows.rows.map((row) => [row.id, row.body]));
}
