import { z } from 'zod';
import { type AggregationKey, aggregationKeySchema } from './aggregation-key.js';
import { feedGroupNameSchema } from './feed.js';
import { findRepeats } from './unique.js';

export const feedGroupKinds = ['flat', 'aggregated', 'notification'] as const;
export type FeedGroupKind = (typeof feedGroupKinds)[number];

/** docs/product.md §1 defaults: aggregated groups by verb + UTC day, notifications also by object. */
export const defaultAggregationKeys = {
  aggregated: ['verb', 'day'],
  notification: ['verb', 'object', 'day'],
} as const satisfies Record<Exclude<FeedGroupKind, 'flat'>, AggregationKey>;

/**
 * Who may read a group's feeds besides a server API key: `owner` — only the user whose id
 * the feed bears (`*:<sub>`); `anyone` — every authenticated user.
 */
export const feedReaders = ['owner', 'anyone'] as const;
export type FeedReaders = (typeof feedReaders)[number];

const readersSchema = z.enum(feedReaders, { error: 'must be "owner" or "anyone"' }).optional();

/**
 * Only flat groups can be follow targets: following copies a target's own activities, and
 * an aggregated or notification feed's entries are other feeds' activities delivered to
 * one reader (Stream refuses to follow them for the same reason).
 */
const notFollowableSchema = z
  .literal(false, { error: 'only flat groups can be followed' })
  .optional();

/**
 * One configured feed group. Flat groups take no aggregation key; aggregated and
 * notification groups default theirs when it is omitted. `followable` (flat groups only)
 * and `readers` are deny-by-default: a group nobody declared followable cannot be followed,
 * and its feeds are read by their owner only.
 */
export const feedGroupConfigSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      name: feedGroupNameSchema,
      kind: z.literal('flat'),
      followable: z.boolean().optional(),
      readers: readersSchema,
    }),
    z.strictObject({
      name: feedGroupNameSchema,
      kind: z.literal('aggregated'),
      aggregationKey: aggregationKeySchema.default([...defaultAggregationKeys.aggregated]),
      followable: notFollowableSchema,
      readers: readersSchema,
    }),
    z.strictObject({
      name: feedGroupNameSchema,
      kind: z.literal('notification'),
      aggregationKey: aggregationKeySchema.default([...defaultAggregationKeys.notification]),
      followable: notFollowableSchema,
      readers: readersSchema,
    }),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? 'must be one of flat, aggregated or notification'
        : undefined,
  },
);

export type FeedGroupConfig = z.output<typeof feedGroupConfigSchema>;

/** A whole group configuration: at least one group, names unique. */
export const feedGroupConfigsSchema = z
  .array(feedGroupConfigSchema)
  .min(1)
  .superRefine((groups, ctx) => {
    for (const { index, key } of findRepeats(groups, (group) => group.name)) {
      ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `must not repeat "${key}"` });
    }
  });

/**
 * The groups every Tideline install starts with (docs/product.md §1). `user` feeds are what people
 * follow and may be read by anyone; timelines, aggregated timelines and notifications hold
 * what was delivered to one reader, so only their owner reads them and nobody follows them.
 */
export const defaultFeedGroups: readonly FeedGroupConfig[] = [
  { name: 'user', kind: 'flat', followable: true, readers: 'anyone' },
  { name: 'timeline', kind: 'flat' },
  {
    name: 'timeline_aggregated',
    kind: 'aggregated',
    aggregationKey: [...defaultAggregationKeys.aggregated],
  },
  {
    name: 'notification',
    kind: 'notification',
    aggregationKey: [...defaultAggregationKeys.notification],
  },
];

/**
 * Looks a group up by name; undefined when the group is not configured.
 *
 * @example
 * findFeedGroup(defaultFeedGroups, 'notification')?.kind; // 'notification'
 */
export function findFeedGroup(
  groups: readonly FeedGroupConfig[],
  name: string,
): FeedGroupConfig | undefined {
  return groups.find((group) => group.name === name);
}

/**
 * Whether feeds of `group` may be follow targets (declared with `followable: true`).
 *
 * @example
 * isFollowable(findFeedGroup(defaultFeedGroups, 'notification')); // false
 */
export function isFollowable(group: FeedGroupConfig | undefined): boolean {
  return group?.followable === true;
}

/**
 * Who besides a server key may read feeds of `group`; `owner` unless the group declares
 * otherwise, and for a group that is not configured.
 *
 * @example
 * readersOf(findFeedGroup(defaultFeedGroups, 'user')); // 'anyone'
 */
export function readersOf(group: FeedGroupConfig | undefined): FeedReaders {
  return group?.readers ?? 'owner';
}

/** The names of the groups that may be followed, for messages that list them. */
export function followableGroupNames(groups: readonly FeedGroupConfig[]): string[] {
  return groups.filter(isFollowable).map((group) => group.name);
}
