import { z } from 'zod';
import { findRepeats } from './unique.js';

/** The activity fields an aggregated feed can group by; `day` is the UTC calendar day. */
export const aggregationKeyParts = ['verb', 'object', 'actor', 'target', 'day'] as const;
export type AggregationKeyPart = (typeof aggregationKeyParts)[number];

export const aggregationKeyPartSchema = z.enum(aggregationKeyParts);

/** An aggregation key as data: which parts, in order, e.g. `['verb', 'day']`. */
export const aggregationKeySchema = z
  .array(aggregationKeyPartSchema)
  .min(1)
  .superRefine((parts, ctx) => {
    for (const { index, key } of findRepeats(parts, (part) => part)) {
      ctx.addIssue({ code: 'custom', path: [index], message: `must not repeat "${key}"` });
    }
  });

export type AggregationKey = readonly AggregationKeyPart[];

export type AggregatableActivity = Readonly<{
  actor: string;
  verb: string;
  object: string;
  target?: string | undefined;
  /** ISO 8601 date-time; any offset is converted to UTC before taking the day. */
  time: string;
}>;

function partValue(activity: AggregatableActivity, part: AggregationKeyPart): string {
  if (part === 'day') return new Date(activity.time).toISOString().slice(0, 10);
  return activity[part] ?? '';
}

/**
 * Every part an aggregation key can use, in `aggregationKeyParts` order — what a store
 * keeps per activity when it is added, so it can group by any configured key later.
 *
 * @example
 * groupingValuesOf({ actor: 'ana', verb: 'like', object: 'photo:1', time: '2024-05-01T23:30:00-02:00' });
 * // ['like', 'photo:1', 'ana', '', '2024-05-02']
 */
export function groupingValuesOf(activity: AggregatableActivity): string[] {
  return aggregationKeyParts.map((part) => partValue(activity, part));
}

/** The key of `parts` from values laid out as `groupingValuesOf` returns them. */
export function aggregationKeyOfValues(values: readonly string[], parts: AggregationKey): string {
  return parts
    .map((part) => encodeURIComponent(values[aggregationKeyParts.indexOf(part)] ?? ''))
    .join('|');
}

/**
 * The group an activity falls into in an aggregated feed. Each part is URI-encoded and
 * joined with `|`, so no value can forge another's key (`a|b` + `c` ≠ `a` + `b|c`).
 *
 * @example
 * aggregationKeyOf({ actor: 'ana', verb: 'like', object: 'photo:1', time: '2024-05-01T23:30:00-02:00' }, ['verb', 'day']);
 * // 'like|2024-05-02'
 */
export function aggregationKeyOf(activity: AggregatableActivity, parts: AggregationKey): string {
  return aggregationKeyOfValues(groupingValuesOf(activity), parts);
}
