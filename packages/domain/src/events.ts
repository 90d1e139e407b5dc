import { z } from 'zod';
import { storedActivitySchema } from './activity.js';
import { activityIdSchema } from './activity-id.js';
import { extraSchema } from './extra.js';
import { feedSchema } from './feed.js';
import { maxCopyLimit } from './follow.js';
import { markTargetSchema } from './mark.js';

/** Emmett-style event: an immutable, discriminated `{ type, data }`. */
export type Event<Type extends string, Data> = Readonly<{ type: Type; data: Readonly<Data> }>;

// Event data is strict like input: a new field means a new event version, never a silent drop.

/** The full stored activity, so projections never need to look anything up. */
export const activityAddedDataSchema = storedActivitySchema;

/** The change (`set`/`unset`) and the resulting `extra`, so readers can show either. */
export const activityUpdatedDataSchema = z.strictObject({
  id: activityIdSchema,
  feed: feedSchema,
  set: z.record(z.string(), z.json()),
  unset: z.array(z.string()),
  extra: extraSchema,
});

export const activityRemovedDataSchema = z.strictObject({
  id: activityIdSchema,
  feed: feedSchema,
  foreignId: z.string().min(1).optional(),
});

export const feedFollowedDataSchema = z.strictObject({
  source: feedSchema,
  target: feedSchema,
  copyLimit: z.number().int().min(0).max(maxCopyLimit),
});

export const feedUnfollowedDataSchema = z.strictObject({
  source: feedSchema,
  target: feedSchema,
  keepHistory: z.boolean(),
});

export const feedMarkedDataSchema = z
  .strictObject({
    feed: feedSchema,
    seen: markTargetSchema.optional(),
    read: markTargetSchema.optional(),
  })
  .superRefine((mark, ctx) => {
    if (mark.seen === undefined && mark.read === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must give seen or read' });
    }
  });

export type ActivityAddedData = z.output<typeof activityAddedDataSchema>;
export type ActivityUpdatedData = z.output<typeof activityUpdatedDataSchema>;
export type ActivityRemovedData = z.output<typeof activityRemovedDataSchema>;
export type FeedFollowedData = z.output<typeof feedFollowedDataSchema>;
export type FeedUnfollowedData = z.output<typeof feedUnfollowedDataSchema>;
export type FeedMarkedData = z.output<typeof feedMarkedDataSchema>;

export type ActivityAdded = Event<'ActivityAdded', ActivityAddedData>;
export type ActivityUpdated = Event<'ActivityUpdated', ActivityUpdatedData>;
export type ActivityRemoved = Event<'ActivityRemoved', ActivityRemovedData>;
export type FeedFollowed = Event<'FeedFollowed', FeedFollowedData>;
export type FeedUnfollowed = Event<'FeedUnfollowed', FeedUnfollowedData>;
export type FeedMarked = Event<'FeedMarked', FeedMarkedData>;

export type TidelineEvent =
  | ActivityAdded
  | ActivityUpdated
  | ActivityRemoved
  | FeedFollowed
  | FeedUnfollowed
  | FeedMarked;

export type TidelineEventType = TidelineEvent['type'];

export const tidelineEventTypes = [
  'ActivityAdded',
  'ActivityUpdated',
  'ActivityRemoved',
  'FeedFollowed',
  'FeedUnfollowed',
  'FeedMarked',
] as const satisfies readonly TidelineEventType[];

/** Data schema per event type; `satisfies` keeps it in step with the union. */
export const eventDataSchemas = {
  ActivityAdded: activityAddedDataSchema,
  ActivityUpdated: activityUpdatedDataSchema,
  ActivityRemoved: activityRemovedDataSchema,
  FeedFollowed: feedFollowedDataSchema,
  FeedUnfollowed: feedUnfollowedDataSchema,
  FeedMarked: feedMarkedDataSchema,
} as const satisfies Record<TidelineEventType, z.ZodType>;

/** A whole `{ type, data }` event, e.g. to check what the event store hands back. */
export const tidelineEventSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('ActivityAdded'), data: activityAddedDataSchema }),
    z.strictObject({ type: z.literal('ActivityUpdated'), data: activityUpdatedDataSchema }),
    z.strictObject({ type: z.literal('ActivityRemoved'), data: activityRemovedDataSchema }),
    z.strictObject({ type: z.literal('FeedFollowed'), data: feedFollowedDataSchema }),
    z.strictObject({ type: z.literal('FeedUnfollowed'), data: feedUnfollowedDataSchema }),
    z.strictObject({ type: z.literal('FeedMarked'), data: feedMarkedDataSchema }),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `must be one of ${tidelineEventTypes.join(', ')}`
        : undefined,
  },
);

const knownTypes: ReadonlySet<string> = new Set(tidelineEventTypes);

/**
 * Narrows a stored event's type name to one Tideline knows.
 *
 * @example
 * isTidelineEventType('FeedFollowed'); // true
 */
export function isTidelineEventType(type: string): type is TidelineEventType {
  return knownTypes.has(type);
}
