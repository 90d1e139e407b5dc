import { validationError } from '@tideline/domain';
import { isPosition, readAll } from '@tideline/event-store';
import { z } from 'zod';
import { requireServer } from '../auth.js';
import { limitSchema, positionSchema, storedEventSchema } from '../schemas.js';
import { authedProcedure } from '../trpc.js';

/** `events.list`: the event log, page by page, for server keys. */
export const eventLog = {
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
};
