import {
  activityBatchInputSchema,
  activityIdSchema,
  activityInputSchema,
  activityTextSchema,
  activityUpdateInputSchema,
  copyLimitSchema,
  type Feed,
  type FeedGroupConfig,
  type FeedRef,
  feedSchema,
  findFeedGroup,
  followManyInputSchema,
  markInputSchema,
  parseFeed,
  TidelineError,
  validationError,
} from '@tideline/domain';
import { isPosition, readAll } from '@tideline/event-store';
import {
  addActivities,
  addActivity,
  follow,
  followMany,
  followPage,
  markFeed,
  removeActivity,
  unfollow,
  updateActivity,
  waitForFeedProjection,
} from '@tideline/fanout';
import { tracked } from '@trpc/server';
import { z } from 'zod';
import { type Principal, principalName, requireOwnFeed, requireServer } from './auth.js';
import type { ApiContext } from './context.js';
import { toTidelineError, toTrpcError } from './errors.js';
import {
  cursorSchema,
  feedPageSchema,
  feedPathShape,
  followPageSchema,
  followResultSchema,
  limitSchema,
  positionSchema,
  queryBooleanSchema,
  removedSchema,
  storedEventSchema,
  writtenActivitySchema,
} from './schemas.js';
import { authedProcedure, router } from './trpc.js';

type Ctx = ApiContext & { principal: Principal };

/** The feed a path names, refused unless its group is configured. */
function feedAt(ctx: Ctx, ref: FeedRef): Feed {
  requireConfigured(ctx.deps.config.groups, ref.group, 'group');
  return `${ref.group}:${ref.id}`;
}

function requireConfigured(groups: readonly FeedGroupConfig[], group: string, path: string) {
  if (findFeedGroup(groups, group) !== undefined) return;
  const names = groups.map((g) => g.name).join(', ');
  throw validationError([{ path, message: `must be a configured feed group (${names})` }]);
}

/** Every feed a write names besides the path's must be in a configured group too. */
function requireConfiguredFeeds(ctx: Ctx, feeds: readonly (readonly [string, string])[]) {
  for (const [path, feed] of feeds) {
    const parsed = feedSchema.safeParse(feed);
    if (parsed.success) requireConfigured(ctx.deps.config.groups, parseFeed(feed).group, path);
  }
}

function commandContext(ctx: Ctx) {
  return { principal: principalName(ctx.principal), correlationId: ctx.requestId };
}

/**
 * A user token may add only its own activities (actor = itself) to `user:<sub>`, and send
 * `to` copies only to notification feeds (mentions) or to its own feeds — never into
 * someone else's timeline.
 */
function requireOwnActivities(
  ctx: Ctx,
  ref: FeedRef,
  activities: readonly { actor: string; to?: readonly string[] | undefined }[],
) {
  const principal = ctx.principal;
  if (principal.kind === 'server') return;
  const actors = activities.map((activity) => activity.actor);
  for (const feed of activities.flatMap((activity) => activity.to ?? [])) {
    const target = feedSchema.safeParse(feed).success ? parseFeed(feed) : undefined;
    if (target === undefined || target.id === principal.userId) continue;
    const kind = findFeedGroup(ctx.deps.config.groups, target.group)?.kind;
    if (kind !== 'notification') {
      throw new TidelineError(
        'FORBIDDEN',
        `a user token may send copies (to) only to notification feeds or its own feeds, not ${feed}`,
      );
    }
  }
  if (ref.group !== 'user' || ref.id !== principal.userId) {
    throw new TidelineError(
      'FORBIDDEN',
      `a user token may only add activities to user:${principal.userId}`,
    );
  }
  if (actors.some((actor) => actor !== principal.userId)) {
    throw new TidelineError(
      'FORBIDDEN',
      `a user token may only add activities whose actor is ${principal.userId}`,
    );
  }
}

const addInput = activityInputSchema.extend(feedPathShape);
const addManyInput = z.strictObject({ ...feedPathShape, activities: activityBatchInputSchema });
const readInput = z.strictObject({
  ...feedPathShape,
  limit: limitSchema,
  cursor: cursorSchema,
  minPosition: positionSchema.optional(),
});
const watchInput = z.strictObject({
  ...feedPathShape,
  lastEventId: z
    .string()
    .max(64)
    .nullish()
    .meta({ description: 'The `id` of the last message received; omitted: from now on' }),
});
const followListInput = z.strictObject({
  ...feedPathShape,
  limit: limitSchema,
  cursor: cursorSchema,
  minPosition: positionSchema.optional(),
});

/** A page of the feeds at the other end of the path feed's edges, one way or the other. */
function followList(direction: 'following' | 'followers', summary: string) {
  return authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: `/feeds/{group}/{id}/${direction}`,
        tags: ['follows'],
        summary,
      },
    })
    .input(followListInput)
    .output(followPageSchema)
    .query(async ({ ctx, input }) => {
      const { group, id, minPosition, ...options } = input;
      requireOwnFeed(ctx.principal, { group, id }, 'read');
      await waitForMinPosition(ctx, minPosition);
      return followPage(ctx.deps.db, feedAt(ctx, { group, id }), direction, options);
    });
}

/** Read-your-writes for reads served straight from the projector's tables. */
async function waitForMinPosition(ctx: Ctx, minPosition: string | undefined) {
  if (minPosition !== undefined) await waitForFeedProjection(ctx.deps.db, minPosition, 5000);
}

const feeds = router({
  add: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/feeds/{group}/{id}/activities',
        tags: ['activities'],
        summary: 'Add an activity',
        description:
          'Adds one activity to the feed (201). Adding the same (feed, foreignId, time) again returns the original.',
        successDescription: 'The stored activity and the position of its event',
      },
    })
    .input(addInput)
    .output(writtenActivitySchema)
    .mutation(async ({ ctx, input }) => {
      const { group, id, ...activity } = input;
      requireOwnActivities(ctx, { group, id }, [activity]);
      requireConfiguredFeeds(
        ctx,
        (activity.to ?? []).map((feed, index) => [`to[${index}]`, feed] as const),
      );
      const added = await addActivity(
        ctx.deps.db,
        feedAt(ctx, { group, id }),
        activity,
        commandContext(ctx),
      );
      return { activity: added.activity, position: added.position };
    }),

  addMany: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/feeds/{group}/{id}/activities/batch',
        tags: ['activities'],
        summary: 'Add up to 100 activities',
        description: 'Adds the activities in one append; the response lists them in order.',
      },
    })
    .input(addManyInput)
    .output(z.object({ results: z.array(writtenActivitySchema), position: positionSchema }))
    .mutation(async ({ ctx, input }) => {
      const { group, id, activities } = input;
      requireOwnActivities(ctx, { group, id }, activities);
      requireConfiguredFeeds(
        ctx,
        activities.flatMap((activity, n) =>
          (activity.to ?? []).map(
            (feed, index) => [`activities[${n}].to[${index}]`, feed] as const,
          ),
        ),
      );
      const added = await addActivities(
        ctx.deps.db,
        feedAt(ctx, { group, id }),
        activities,
        commandContext(ctx),
      );
      const results = added.map((item) => ({ activity: item.activity, position: item.position }));
      return {
        results,
        position:
          results
            .map((r) => r.position)
            .sort()
            .at(-1) ?? '',
      };
    }),

  read: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/feeds/{group}/{id}/activities',
        tags: ['feeds'],
        summary: 'Read a feed',
        description:
          'Newest first. Flat feeds return activities; aggregated and notification feeds return groups, and notification feeds also `unseen`/`unread`. `minPosition` (a position a write returned) makes the read include that write.',
      },
    })
    .input(readInput)
    .output(feedPageSchema)
    .query(async ({ ctx, input }) => {
      const { group, id, ...options } = input;
      requireOwnFeed(ctx.principal, { group, id }, 'read');
      const feed = feedAt(ctx, { group, id });
      const kind = findFeedGroup(ctx.deps.config.groups, group)?.kind ?? 'flat';
      if (kind === 'flat') {
        return { kind, ...(await ctx.deps.timelines.readFeed(feed, options)) };
      }
      return { kind, ...(await ctx.deps.aggregated.readGroups(feed, options)) };
    }),

  remove: authedProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/feeds/{group}/{id}/activities/{activityId}',
        tags: ['activities'],
        summary: 'Remove an activity by id',
        description:
          'Removes it from every feed it was delivered to. Removing it again is a no-op.',
      },
    })
    .input(z.strictObject({ ...feedPathShape, activityId: activityIdSchema }))
    .output(removedSchema)
    .mutation(async ({ ctx, input }) => {
      requireServer(ctx.principal, 'remove activities');
      const feed = feedAt(ctx, input);
      return removeActivity(ctx.deps.db, feed, { id: input.activityId }, commandContext(ctx));
    }),

  removeByForeignId: authedProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/feeds/{group}/{id}/activities',
        tags: ['activities'],
        summary: 'Remove activities by foreignId',
      },
    })
    .input(
      z.strictObject({
        ...feedPathShape,
        foreignId: activityTextSchema,
      }),
    )
    .output(removedSchema)
    .mutation(async ({ ctx, input }) => {
      requireServer(ctx.principal, 'remove activities');
      const feed = feedAt(ctx, input);
      return removeActivity(ctx.deps.db, feed, { foreignId: input.foreignId }, commandContext(ctx));
    }),

  follow: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/feeds/{group}/{id}/follows',
        tags: ['follows'],
        summary: 'Follow a feed',
        description:
          "The path's feed follows `target`, copying its latest `copyLimit` activities (default 100, at most 1000).",
      },
    })
    .input(
      z.strictObject({
        ...feedPathShape,
        target: feedSchema,
        copyLimit: copyLimitSchema.optional(),
      }),
    )
    .output(followResultSchema)
    .mutation(async ({ ctx, input }) => {
      const { group, id, ...edge } = input;
      requireOwnFeed(ctx.principal, { group, id }, 'follow from');
      requireConfiguredFeeds(ctx, [['target', edge.target]]);
      const source = feedAt(ctx, { group, id });
      return follow(ctx.deps.db, { source, ...edge }, commandContext(ctx));
    }),

  unfollow: authedProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/feeds/{group}/{id}/follows/{targetGroup}/{targetId}',
        tags: ['follows'],
        summary: 'Unfollow a feed',
        description:
          'Removes the copied activities too, unless `keepHistory` is true. Never followed: 404.',
      },
    })
    .input(
      z.strictObject({
        ...feedPathShape,
        targetGroup: feedPathShape.group,
        targetId: feedPathShape.id,
        keepHistory: queryBooleanSchema.optional(),
      }),
    )
    .output(followResultSchema)
    .mutation(async ({ ctx, input }) => {
      const { group, id, targetGroup, targetId, keepHistory } = input;
      requireOwnFeed(ctx.principal, { group, id }, 'unfollow from');
      requireConfigured(ctx.deps.config.groups, targetGroup, 'targetGroup');
      return unfollow(
        ctx.deps.db,
        {
          source: feedAt(ctx, { group, id }),
          target: `${targetGroup}:${targetId}`,
          keepHistory: keepHistory ?? false,
        },
        commandContext(ctx),
      );
    }),

  following: followList('following', 'Feeds this feed follows'),
  followers: followList('followers', 'Feeds following this feed'),

  /**
   * The feed's live messages (SPEC §4), each `tracked` by its position so the SSE and
   * WebSocket links resume from the last one they got. Served over REST too, as
   * `GET /api/v1/feeds/{group}/{id}/stream` (apps/server, through this procedure).
   */
  watch: authedProcedure.input(watchInput).subscription(async function* ({ ctx, input, signal }) {
    const { group, id, lastEventId } = input;
    requireOwnFeed(ctx.principal, { group, id }, 'watch');
    if (lastEventId != null && !isPosition(lastEventId)) {
      throw validationError([{ path: 'lastEventId', message: 'must be an id the stream sent' }]);
    }
    const feed = feedAt(ctx, { group, id });
    const stop = AbortSignal.any([signal, ctx.closing].filter((s) => s !== undefined));
    try {
      for await (const message of ctx.deps.watch(feed, { lastEventId, signal: stop })) {
        if (ctx.drained) await ctx.drained();
        yield tracked(message.id, message);
      }
      if (ctx.closing?.aborted) {
        throw new TidelineError(
          'SERVICE_UNAVAILABLE',
          'server shutting down; resume with the last id',
        );
      }
    } catch (error) {
      // Thrown mid-stream, past the error middleware: give it its code here.
      throw toTrpcError(toTidelineError(error));
    }
  }),

  mark: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/feeds/{group}/{id}/mark',
        tags: ['feeds'],
        summary: 'Mark notification groups seen or read',
        description:
          '`seen`/`read`: `true` for every group, or a list of group ids. Returns the position of the mark.',
      },
    })
    .input(markInputSchema.safeExtend(feedPathShape))
    .output(z.object({ position: positionSchema }))
    .mutation(async ({ ctx, input }) => {
      const { group, id, ...mark } = input;
      requireOwnFeed(ctx.principal, { group, id }, 'mark');
      const feed = feedAt(ctx, { group, id });
      return markFeed(ctx.deps.db, feed, mark, commandContext(ctx), ctx.deps.config.groups);
    }),
});

const activities = router({
  update: authedProcedure
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/activities/{activityId}',
        tags: ['activities'],
        summary: "Update an activity's extra",
        description:
          '`set` writes values at dotted paths of `extra`, `unset` deletes them; every feed that shows the activity shows the new version.',
      },
    })
    .input(activityUpdateInputSchema.safeExtend({ activityId: activityIdSchema }))
    .output(writtenActivitySchema)
    .mutation(async ({ ctx, input }) => {
      requireServer(ctx.principal, 'update activities');
      const { activityId, ...update } = input;
      return updateActivity(ctx.deps.db, activityId, update, commandContext(ctx));
    }),
});

const follows = router({
  followMany: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/follows/batch',
        tags: ['follows'],
        summary: 'Follow up to 1000 feeds at once',
        description: 'All follows are appended in one transaction.',
      },
    })
    .input(z.strictObject({ follows: followManyInputSchema }))
    .output(z.object({ position: positionSchema, results: z.array(followResultSchema) }))
    .mutation(async ({ ctx, input }) => {
      for (const edge of input.follows) {
        requireOwnFeed(ctx.principal, parseFeed(edge.source), 'follow from');
      }
      requireConfiguredFeeds(
        ctx,
        input.follows.flatMap((edge, index) => [
          [`follows[${index}].source`, edge.source] as const,
          [`follows[${index}].target`, edge.target] as const,
        ]),
      );
      return followMany(ctx.deps.db, input.follows, commandContext(ctx));
    }),
});

const events = router({
  list: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/events',
        tags: ['events'],
        summary: 'Read the event log (server API keys only)',
        description:
          'Events in log order after `after` (a previous `next`). `next` is where to continue from, also when the page is empty.',
      },
    })
    .input(
      z.strictObject({
        after: positionSchema.optional(),
        limit: limitSchema,
      }),
    )
    .output(z.object({ results: z.array(storedEventSchema), next: positionSchema }))
    .query(async ({ ctx, input }) => {
      requireServer(ctx.principal, 'read the event log');
      const after = input.after;
      if (after !== undefined && !isPosition(after)) {
        throw validationError([
          { path: 'after', message: 'must be a `next` value from an earlier page' },
        ]);
      }
      const page = await readAll(ctx.deps.db, {
        ...(after === undefined ? {} : { after }),
        limit: input.limit ?? 25,
      });
      return {
        results: page.events.map((event) => ({
          position: event.position,
          eventId: event.eventId,
          streamId: event.streamId,
          streamVersion: event.streamVersion,
          type: event.type,
          data: event.data,
          metadata: { ...event.metadata },
          createdAt: event.createdAt.toISOString(),
        })),
        next: page.next,
      };
    }),
});

/** Every operation of SPEC §5, once: served as tRPC and, through its `openapi` meta, as REST. */
export const appRouter = router({ feeds, activities, follows, events });

export type AppRouter = typeof appRouter;
