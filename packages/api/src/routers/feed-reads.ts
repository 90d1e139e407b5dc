import { findFeedGroup } from '@tideline/domain';
import { z } from 'zod';
import { requireReadable } from '../auth.js';
import {
  cursorSchema,
  feedPageSchema,
  feedPathShape,
  limitSchema,
  positionSchema,
} from '../schemas.js';
import { authedProcedure } from '../trpc.js';
import { feedAt } from './procedure-helpers.js';

const readInput = z.strictObject({
  ...feedPathShape,
  limit: limitSchema,
  cursor: cursorSchema,
  minPosition: positionSchema.optional(),
});

/** `feeds.read`: a page of a feed, served by the reader of its group's kind. */
export const feedReads = {
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
      requireReadable(ctx.principal, ctx.deps.config.groups, { group, id }, 'read');
      const feed = feedAt(ctx, { group, id });
      const kind = findFeedGroup(ctx.deps.config.groups, group)?.kind ?? 'flat';
      if (kind === 'flat') {
        return { kind, ...(await ctx.deps.timelines.readFeed(feed, options)) };
      }
      return { kind, ...(await ctx.deps.aggregated.readGroups(feed, options)) };
    }),
};
