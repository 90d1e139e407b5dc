import { markInputSchema } from '@tideline/domain';
import { markFeed } from '@tideline/feeds';
import { z } from 'zod';
import { requireOwnFeed } from '../auth.js';
import { feedPathShape, positionSchema } from '../schemas.js';
import { authedProcedure } from '../trpc.js';
import { commandContext, feedAt } from './procedure-helpers.js';

/** `feeds.mark`: a notification feed's groups marked seen or read. */
export const notificationMarks = {
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
};
