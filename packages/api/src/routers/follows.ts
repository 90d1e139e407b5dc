import { copyLimitSchema, feedSchema, followManyInputSchema, parseFeed } from '@tideline/domain';
import { follow, followMany, followPage, unfollow, waitForMinPosition } from '@tideline/feeds';
import { z } from 'zod';
import { requireFollowTarget, requireOwnFeed, requireReadable } from '../auth.js';
import {
  cursorSchema,
  feedPathShape,
  followPageSchema,
  followResultSchema,
  limitSchema,
  positionSchema,
  queryBooleanSchema,
} from '../schemas.js';
import { authedProcedure } from '../trpc.js';
import {
  type AuthedContext,
  commandContext,
  feedAt,
  requireConfigured,
  requireConfiguredFeeds,
} from './procedure-helpers.js';

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
      requireReadable(ctx.principal, ctx.deps.config.groups, { group, id }, 'read');
      await readYourWrites(ctx, minPosition);
      return followPage(ctx.deps.db, feedAt(ctx, { group, id }), direction, options);
    });
}

/** Read-your-writes for reads served straight from the projector's tables. */
async function readYourWrites(ctx: AuthedContext, minPosition: string | undefined) {
  if (minPosition !== undefined) await waitForMinPosition(ctx.deps.db, minPosition, 5000);
}

/** `feeds.follow`, `feeds.unfollow`, `feeds.following` and `feeds.followers`: one feed's edges. */
export const feedFollows = {
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
      requireFollowTarget(ctx.principal, ctx.deps.config.groups, edge.target, 'target');
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
};

/** `follows.followMany`: many edges, each from a feed the principal owns. */
export const batchFollows = {
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
      for (const [index, edge] of input.follows.entries()) {
        const path = `follows[${index}].target`;
        requireFollowTarget(ctx.principal, ctx.deps.config.groups, edge.target, path);
      }
      return followMany(ctx.deps.db, input.follows, commandContext(ctx));
    }),
};
