import {
  activityBatchInputSchema,
  activityIdSchema,
  activityInputSchema,
  activityTextSchema,
  activityUpdateInputSchema,
} from '@tideline/domain';
import { addActivities, addActivity, removeActivity, updateActivity } from '@tideline/feeds';
import { z } from 'zod';
import { requireOwnActivities, requireServer } from '../auth.js';
import { feedPathShape, positionSchema, removedSchema, writtenActivitySchema } from '../schemas.js';
import { authedProcedure } from '../trpc.js';
import { commandContext, feedAt, requireConfiguredFeeds } from './procedure-helpers.js';

const addInput = activityInputSchema.extend(feedPathShape);
const addManyInput = z.strictObject({ ...feedPathShape, activities: activityBatchInputSchema });

/** `feeds.add` and `feeds.addMany`: a server key, or a user adding its own activities. */
export const activityAdds = {
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
      requireOwnActivities(ctx.principal, ctx.deps.config.groups, { group, id }, [activity]);
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
      requireOwnActivities(ctx.principal, ctx.deps.config.groups, { group, id }, activities);
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
};

/** `feeds.remove` and `feeds.removeByForeignId`: server keys only. */
export const activityRemovals = {
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
};

/** `activities.update`: server keys only. */
export const activityUpdates = {
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
};
