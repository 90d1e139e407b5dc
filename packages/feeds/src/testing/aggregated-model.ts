import {
  aggregationKeyOf,
  defaultFeedGroups,
  type Feed,
  type FeedGroupConfig,
  findFeedGroup,
  parseFeed,
  type StoredActivity,
} from '@tideline/domain';
import {
  type ActivityKey,
  compareKeys,
  type FeedMark,
  feedJoins,
  keyOf,
  type LogEvent,
  type LogState,
  laterPosition,
  replayLog,
} from './reference-model.js';

/**
 * What every aggregated and notification feed must show after a log, computed the slow,
 * obvious way from docs/aggregated-feeds.md ("Semantics"). Membership and join positions
 * come from the flat reference model's replay; this file only groups and marks them.
 */

/** docs/product.md §1: a group keeps its newest 15 activities; the counts cover all of them. */
export const maxActivitiesPerGroup = 15;

/** One group as a read presents it (ids instead of hydrated bodies). */
export interface ExpectedGroup {
  /** The aggregation key string; opaque to clients. */
  readonly id: string;
  /** The newest `maxActivitiesPerGroup` members' ids, newest first. */
  readonly activities: readonly string[];
  /** Every member, beyond the 15 shown. */
  readonly activityCount: number;
  /** Distinct `actor` values among every member. */
  readonly actorCount: number;
  /** The newest member's `time`. */
  readonly updatedAt: string;
  /** Notification feeds only. */
  readonly isSeen?: boolean;
  readonly isRead?: boolean;
}

/** A group with what the model needs besides what a read shows. */
export interface ModelGroup extends ExpectedGroup {
  /** The newest member's key: groups are ordered, and paged, by it. */
  readonly key: ActivityKey;
  /** The latest join position among the members (docs/aggregated-feeds.md). */
  readonly lastJoined: string;
}

export interface ExpectedAggregatedFeed {
  readonly kind: 'aggregated' | 'notification';
  /** Newest group first. */
  readonly groups: readonly ModelGroup[];
  /** Notification feeds only: exact counts of groups, no cap. */
  readonly unseen?: number;
  readonly unread?: number;
}

export interface AggregatedModel {
  /** Every aggregated or notification feed the log names (marks included) → its groups. */
  readonly feeds: ReadonlyMap<Feed, ExpectedAggregatedFeed>;
  /** Live (not removed) activities with their latest `extra`. */
  readonly activities: ReadonlyMap<string, StoredActivity>;
  /** The feed groups the model was built with, so a feed the log never named has a kind. */
  readonly groups: readonly FeedGroupConfig[];
}

export interface AggregatedModelOptions {
  /** The configured feed groups; `defaultFeedGroups` when omitted. */
  readonly groups?: readonly FeedGroupConfig[];
  /** Activities shown per group; `maxActivitiesPerGroup` (15) when omitted. */
  readonly maxPerGroup?: number;
}

type GroupedConfig = Exclude<FeedGroupConfig, { kind: 'flat' }>;

/** The feed's group config when it is aggregated or notification; undefined otherwise. */
export function groupedConfig(
  groups: readonly FeedGroupConfig[],
  feed: Feed,
): GroupedConfig | undefined {
  const config = findFeedGroup(groups, parseFeed(feed).group);
  return config === undefined || config.kind === 'flat' ? undefined : config;
}

/** The latest position of a seen (or read) mark: of `true`, and per group id named. */
interface MarkCoverage {
  all: string | undefined;
  readonly byId: Map<string, string>;
}

/**
 * The latest mark of `true` and per id. The rule ignores ids that name no group at the
 * moment of the mark; recording them anyway is the same thing, since such a mark can never
 * be later than a group's lastJoined: every current member has been a member without a
 * break since its join position, so a group whose lastJoined is before a mark existed at
 * that mark.
 */
function coverage(marks: readonly FeedMark[], which: 'seen' | 'read'): MarkCoverage {
  const result: MarkCoverage = { all: undefined, byId: new Map() };
  for (const mark of marks) {
    const target = mark[which];
    if (target === undefined) continue;
    if (target === true) result.all = laterPosition(result.all, mark.position);
    else
      for (const id of target)
        result.byId.set(id, laterPosition(result.byId.get(id), mark.position));
  }
  return result;
}

function isCovered(marks: MarkCoverage, id: string, lastJoined: string): boolean {
  const at = [marks.all, marks.byId.get(id)];
  return at.some((position) => position !== undefined && position > lastJoined);
}

function groupFeed(
  state: LogState,
  feed: Feed,
  config: GroupedConfig,
  maxPerGroup: number,
): ExpectedAggregatedFeed {
  const members = new Map<string, { activity: StoredActivity; joined: string }[]>();
  for (const [id, joined] of feedJoins(state, feed)) {
    const activity = state.activities.get(id);
    if (activity === undefined) throw new Error(`aggregated model: unknown activity ${id}`);
    // The key depends only on fields updates never change, so it is fixed at the add.
    const groupId = aggregationKeyOf(activity, config.aggregationKey);
    const list = members.get(groupId) ?? [];
    list.push({ activity, joined });
    members.set(groupId, list);
  }
  const marks = state.marks.get(feed) ?? [];
  const seen = coverage(marks, 'seen');
  const read = coverage(marks, 'read');
  const notification = config.kind === 'notification';
  const groups: ModelGroup[] = [];
  for (const [id, list] of members) {
    list.sort((a, b) => compareKeys(keyOf(b.activity), keyOf(a.activity)));
    const newest = list[0];
    if (newest === undefined) continue;
    const lastJoined = list.reduce((max, { joined }) => laterPosition(max, joined), newest.joined);
    groups.push({
      id,
      activities: list.slice(0, maxPerGroup).map(({ activity }) => activity.id),
      activityCount: list.length,
      actorCount: new Set(list.map(({ activity }) => activity.actor)).size,
      updatedAt: newest.activity.time,
      ...(notification
        ? { isSeen: isCovered(seen, id, lastJoined), isRead: isCovered(read, id, lastJoined) }
        : {}),
      key: keyOf(newest.activity),
      lastJoined,
    });
  }
  groups.sort((a, b) => compareKeys(b.key, a.key));
  if (!notification) return { kind: config.kind, groups };
  return {
    kind: config.kind,
    groups,
    unseen: groups.filter((group) => group.isSeen !== true).length,
    unread: groups.filter((group) => group.isRead !== true).length,
  };
}

/**
 * What every aggregated and notification feed shows after `events`: the flat membership
 * of each feed, grouped by its group's aggregation key, with seen/read from FeedMarked.
 *
 * @example
 * const model = buildAggregatedModel(await readWholeLog());
 * const { groups, next } = expectedGroupsPage(model, 'notification:ana', { limit: 25 });
 */
export function buildAggregatedModel(
  events: readonly LogEvent[],
  options: AggregatedModelOptions = {},
): AggregatedModel {
  const configs = options.groups ?? defaultFeedGroups;
  const state = replayLog(events);
  const feeds = new Map<Feed, ExpectedAggregatedFeed>();
  for (const feed of new Set([...state.feeds, ...state.marks.keys()])) {
    const config = groupedConfig(configs, feed);
    if (config === undefined) continue;
    feeds.set(feed, groupFeed(state, feed, config, options.maxPerGroup ?? maxActivitiesPerGroup));
  }
  const activities = new Map([...state.activities].filter(([id]) => !state.removed.has(id)));
  return { feeds, activities, groups: configs };
}

/** The cursor a read returns after `group`: its newest member's key. */
export function groupCursor(group: Pick<ExpectedGroup, 'activities' | 'updatedAt'>): ActivityKey {
  const id = group.activities[0];
  if (id === undefined) throw new Error('aggregated model: a group has at least one activity');
  return { timeMs: Date.parse(group.updatedAt), id };
}

/** Strips what the model keeps for itself, leaving what a read returns. */
export function presentGroup(group: ModelGroup): ExpectedGroup {
  const { key: _key, lastJoined: _lastJoined, ...shown } = group;
  return shown;
}

export interface ExpectedGroupsPage {
  readonly groups: readonly ExpectedGroup[];
  /** The last returned group's cursor, or null when no group is left after it. */
  readonly next: ActivityKey | null;
  /** Notification feeds only, on every page. */
  readonly unseen?: number;
  readonly unread?: number;
}

/**
 * One page of a feed's groups: the first `limit` groups strictly older than `after` (a
 * previous page's `next`). A feed the log never named (or not grouped) has no groups, and
 * a notification feed then reports 0 unseen and unread.
 *
 * @example
 * const first = expectedGroupsPage(model, 'notification:ana', { limit: 25 });
 * const second = expectedGroupsPage(model, 'notification:ana', { limit: 25, after: first.next });
 */
export function expectedGroupsPage(
  model: AggregatedModel,
  feed: Feed,
  options: { readonly limit: number; readonly after?: ActivityKey | null | undefined },
): ExpectedGroupsPage {
  const { limit, after } = options;
  const expected = model.feeds.get(feed);
  const older = (expected?.groups ?? []).filter(
    (group) => after === undefined || after === null || compareKeys(group.key, after) < 0,
  );
  const page = older.slice(0, limit);
  const last = page[page.length - 1];
  const next = last !== undefined && older.length > page.length ? last.key : null;
  const kind = expected?.kind ?? groupedConfig(model.groups, feed)?.kind;
  const counts =
    kind === 'notification' ? { unseen: expected?.unseen ?? 0, unread: expected?.unread ?? 0 } : {};
  return { groups: page.map(presentGroup), next, ...counts };
}
