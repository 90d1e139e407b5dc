import { errorCodes, feedGroupNameSchema, feedIdSchema } from '@tideline/domain';
import { z } from 'zod';

/*
 * Shapes of the API's inputs and outputs that the domain does not already define. Output
 * schemas describe what the server sends (they document the REST API and type the client);
 * they are deliberately plain, since the domain validated every value on the way in.
 */

/** `{group}/{id}` of a REST path, e.g. `/feeds/timeline/ana`. */
export const feedPathShape = {
  group: feedGroupNameSchema.meta({ description: 'Feed group, e.g. `timeline`', example: 'user' }),
  id: feedIdSchema.meta({ description: 'Feed id, e.g. a user id', example: 'ana' }),
};

/** Page size of every list: 1 to 100, default 25. */
export const limitSchema = z
  .number()
  .int()
  .min(1)
  .max(100)
  .optional()
  .meta({ description: 'Page size, 1 to 100 (default 25)' });

export const cursorSchema = z
  .string()
  .max(512)
  .optional()
  .meta({ description: 'The `next` value of the previous page' });

/**
 * A query-string boolean: only `true` and `false` (and JSON booleans from tRPC clients).
 * Plain `z.boolean()` would be coerced by the REST adapter, which reads `"false"` as true.
 */
export const queryBooleanSchema = z
  .union([z.boolean(), z.enum(['true', 'false'])])
  .transform((value) => value === true || value === 'true');

export const positionSchema = z
  .string()
  .meta({ description: 'An opaque event-store position; pass it back, never compare it' });

export const activitySchema = z
  .object({
    id: z.string(),
    feed: z.string(),
    actor: z.string(),
    verb: z.string(),
    object: z.string(),
    target: z.string().optional(),
    time: z.string().meta({ description: 'ISO 8601, UTC' }),
    foreignId: z.string().optional(),
    to: z.array(z.string()),
    extra: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'Activity' });

export const activityGroupSchema = z
  .object({
    id: z.string().meta({ description: 'The aggregation key; opaque' }),
    activities: z.array(activitySchema).meta({ description: 'The newest 15 members' }),
    activityCount: z.number().int(),
    actorCount: z.number().int(),
    updatedAt: z.string(),
    isSeen: z.boolean().optional(),
    isRead: z.boolean().optional(),
  })
  .meta({ id: 'ActivityGroup' });

export const flatPageSchema = z
  .object({
    kind: z.literal('flat'),
    results: z.array(activitySchema),
    next: z.string().nullable(),
  })
  .meta({ id: 'FlatFeedPage' });

export const groupPageSchema = z
  .object({
    kind: z.enum(['aggregated', 'notification']),
    results: z.array(activityGroupSchema),
    next: z.string().nullable(),
    unseen: z.number().int().optional(),
    unread: z.number().int().optional(),
  })
  .meta({ id: 'GroupedFeedPage' });

export const feedPageSchema = z
  .discriminatedUnion('kind', [flatPageSchema, groupPageSchema])
  .meta({ id: 'FeedPage' });

export const writtenActivitySchema = z
  .object({ activity: activitySchema, position: positionSchema })
  .meta({ id: 'WrittenActivity' });

export const removedSchema = z
  .object({
    removed: z.array(z.string()).meta({ description: 'Ids of the activities removed now' }),
    position: positionSchema,
  })
  .meta({ id: 'Removal' });

export const followResultSchema = z
  .object({
    position: positionSchema,
    changed: z.boolean().meta({ description: 'False when the edge already was as asked' }),
  })
  .meta({ id: 'FollowResult' });

export const followPageSchema = z
  .object({ results: z.array(z.object({ feed: z.string() })), next: z.string().nullable() })
  .meta({ id: 'FollowPage' });

export const storedEventSchema = z
  .object({
    position: positionSchema,
    eventId: z.string(),
    streamId: z.string(),
    streamVersion: z.number().int(),
    type: z.string(),
    data: z.unknown(),
    metadata: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .meta({ id: 'Event' });

/** The body of every REST error: a stable code, a message naming the fields, details. */
export const errorBodySchema = z
  .object({
    code: z.enum(errorCodes),
    message: z.string(),
    details: z
      .object({
        fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
        retryAfterSeconds: z.number().int().optional(),
      })
      .catchall(z.unknown())
      .optional(),
  })
  .meta({ id: 'Error' });

const marked = z.union([z.literal(true), z.array(z.string())]);

/** One message of a feed's live stream (`data` of each event of the REST stream). */
export const feedStreamMessageSchema = z
  .object({
    id: positionSchema,
    feed: z.string().meta({ description: 'The watched feed' }),
    type: z.enum([
      'feed.watching',
      'activity.added',
      'activity.updated',
      'activity.removed',
      'feed.marked',
      'feed.followed',
      'feed.unfollowed',
    ]),
    via: z
      .string()
      .optional()
      .meta({ description: 'The followed feed a timeline message came through' }),
    activity: activitySchema.optional(),
    activityId: z.string().optional(),
    seen: marked.optional(),
    read: marked.optional(),
    target: z.string().optional().meta({ description: 'The followed or unfollowed feed' }),
    unseen: z.number().int().optional().meta({ description: 'Notification feeds: fresh count' }),
    unread: z.number().int().optional().meta({ description: 'Notification feeds: fresh count' }),
  })
  .meta({ id: 'FeedStreamMessage' });
