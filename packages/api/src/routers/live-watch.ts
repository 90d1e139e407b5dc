import { TidelineError, validationError } from '@tideline/domain';
import { isPosition } from '@tideline/event-store';
import { tracked } from '@trpc/server';
import { z } from 'zod';
import { requireReadable } from '../auth.js';
import { toTidelineError, toTrpcError } from '../errors.js';
import { feedPathShape } from '../schemas.js';
import { authedProcedure } from '../trpc.js';
import { feedAt } from './procedure-helpers.js';

const watchInput = z.strictObject({
  ...feedPathShape,
  lastEventId: z
    .string()
    .max(64)
    .nullish()
    .meta({ description: 'The `id` of the last message received; omitted: from now on' }),
});

/** `feeds.watch`, the one subscription. */
export const liveWatch = {
  /**
   * The feed's live messages (docs/product.md §4), each `tracked` by its position so the SSE and
   * WebSocket links resume from the last one they got. Served over REST too, as
   * `GET /api/v1/feeds/{group}/{id}/stream` (apps/server, through this procedure).
   */
  watch: authedProcedure.input(watchInput).subscription(async function* ({ ctx, input, signal }) {
    const { group, id, lastEventId } = input;
    requireReadable(ctx.principal, ctx.deps.config.groups, { group, id }, 'watch');
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
};
