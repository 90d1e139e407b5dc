import { z } from 'zod';
import { type ActivityId, activityIdSchema } from './activity-id.js';
import { extraSchema } from './extra.js';
import { type Feed, feedSchema } from './feed.js';
import { refineStorable } from './storable-text.js';
import { findRepeats } from './unique.js';

export const maxActivityTextLength = 256;
/** docs/product.md §1: up to 100 extra feeds receive a copy. */
export const maxActivityRecipients = 100;
/** docs/product.md §5: a batch add carries at most 100 activities. */
export const maxActivityBatch = 100;

/** An activity's text fields (actor, verb, object, target, foreignId). */
export const activityTextSchema = z
  .string()
  .min(1)
  .max(maxActivityTextLength)
  .superRefine(refineStorable);
const text = activityTextSchema;

/** An instant with an explicit offset, stored as a UTC ISO string so times compare as text. */
export const activityTimeSchema = z.iso
  .datetime({
    offset: true,
    error: (issue) =>
      issue.code === 'invalid_format'
        ? 'must be an ISO 8601 date-time with offset, like 2024-05-01T12:00:00Z'
        : undefined,
  })
  .transform((time) => new Date(time).toISOString());

/** A time already normalised to UTC, as stored activities and events carry it. */
export const utcTimeSchema = z.iso.datetime({
  error: (issue) =>
    issue.code === 'invalid_format'
      ? 'must be a UTC ISO 8601 date-time, like 2024-05-01T12:00:00.000Z'
      : undefined,
});

/** Extra feeds that receive a copy, e.g. mentions to `notification:bob`. */
export const recipientsSchema = z
  .array(feedSchema)
  .max(maxActivityRecipients)
  .superRefine((feeds, ctx) => {
    for (const { index, key } of findRepeats(feeds, (feed) => feed)) {
      ctx.addIssue({ code: 'custom', path: [index], message: `must not repeat "${key}"` });
    }
  });

/** What a client sends to add an activity; the feed comes from the request path. */
export const activityInputSchema = z.strictObject({
  actor: text,
  verb: text,
  object: text,
  target: text.optional(),
  time: activityTimeSchema.optional(),
  foreignId: text.optional(),
  to: recipientsSchema.optional(),
  extra: extraSchema.optional(),
});

export type ActivityInput = z.output<typeof activityInputSchema>;

export const activityBatchInputSchema = z.array(activityInputSchema).min(1).max(maxActivityBatch);
export type ActivityBatchInput = z.output<typeof activityBatchInputSchema>;

/** An activity as stored and delivered: id, feed and time assigned, `to`/`extra` filled in. */
export const storedActivitySchema = z.strictObject({
  id: activityIdSchema,
  feed: feedSchema,
  actor: text,
  verb: text,
  object: text,
  target: text.optional(),
  time: utcTimeSchema,
  foreignId: text.optional(),
  to: recipientsSchema,
  extra: extraSchema,
});

export type StoredActivity = z.output<typeof storedActivitySchema>;

/**
 * Completes a validated input into the activity to store. `now` (UTC ISO) is used only
 * when the input has no time of its own.
 *
 * @example
 * toStoredActivity({ actor: 'ana', verb: 'post', object: 'post:1' },
 *   { id: '01ARYZ6S41TSV4RRFFQ69G5FAV', feed: 'user:ana', now: '2024-05-01T12:00:00.000Z' });
 * // { id: '01ARYZ…', feed: 'user:ana', actor: 'ana', verb: 'post', object: 'post:1',
 * //   time: '2024-05-01T12:00:00.000Z', to: [], extra: {} }
 */
export function toStoredActivity(
  input: ActivityInput,
  assigned: Readonly<{ id: ActivityId; feed: Feed; now: string }>,
): StoredActivity {
  const { target, foreignId, time, to, extra, ...required } = input;
  return {
    id: assigned.id,
    feed: assigned.feed,
    ...required,
    ...(target === undefined ? {} : { target }),
    time: time ?? assigned.now,
    ...(foreignId === undefined ? {} : { foreignId }),
    to: to ?? [],
    extra: extra ?? {},
  };
}

/** Remove by server id or by the client's foreignId: exactly one of the two. */
export const activityRemoveInputSchema = z
  .strictObject({ id: activityIdSchema.optional(), foreignId: text.optional() })
  .superRefine((input, ctx) => {
    if (input.id === undefined && input.foreignId === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must give either id or foreignId' });
    } else if (input.id !== undefined && input.foreignId !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'must give only one of id or foreignId' });
    }
  });

export type ActivityRemoveInput = z.output<typeof activityRemoveInputSchema>;
