import { z } from 'zod';
import { type AggregationKey, aggregationKeySchema } from './aggregation-key.js';
import { feedGroupNameSchema } from './feed.js';
import { findRepeats } from './unique.js';

export const feedGroupKinds = ['flat', 'aggregated', 'notification'] as const;
export type FeedGroupKind = (typeof feedGroupKinds)[number];

/** SPEC §1 defaults: aggregated groups by verb + UTC day, notifications also by object. */
export const defaultAggregationKeys = {
  aggregated: ['verb', 'day'],
  notification: ['verb', 'object', 'day'],
} as const satisfies Record<Exclude<FeedGroupKind, 'flat'>, AggregationKey>;

/**
 * One configured feed group. Flat groups take no aggregation key; aggregated and
 * notification groups default theirs when it is omitted.
 */
export const feedGroupConfigSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ name: feedGroupNameSchema, kind: z.literal('flat') }),
    z.strictObject({
      name: feedGroupNameSchema,
      kind: z.literal('aggregated'),
      aggregationKey: aggregationKeySchema.default([...defaultAggregationKeys.aggregated]),
    }),
    z.strictObject({
      name: feedGroupNameSchema,
      kind: z.literal('notification'),
      aggregationKey: aggregationKeySchema.default([...defaultAggregationKeys.notification]),
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

/** The groups every Tideline install starts with (SPEC §1). */
export const defaultFeedGroups: readonly FeedGroupConfig[] = [
  { name: 'user', kind: 'flat' },
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
