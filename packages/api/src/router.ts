import { activityAdds, activityRemovals, activityUpdates } from './routers/activity-writes.js';
import { eventLog } from './routers/event-log.js';
import { feedReads } from './routers/feed-reads.js';
import { batchFollows, feedFollows } from './routers/follows.js';
import { liveWatch } from './routers/live-watch.js';
import { notificationMarks } from './routers/notification-marks.js';
import { router } from './trpc.js';

/**
 * Every operation of docs/product.md §5, once: served as tRPC and, through its `openapi` meta, as REST.
 * Each feature's procedures live in `routers/`; `feeds` gathers several features in one
 * namespace. Spreading (rather than naming each procedure again) keeps its doc comment
 * visible to the typed client, and the spreads' order is the order of the operations in the
 * generated REST document (docs/openapi.json, checked by openapi-export.unit.test.ts).
 */
export const appRouter = router({
  feeds: router({
    ...activityAdds,
    ...feedReads,
    ...activityRemovals,
    ...feedFollows,
    ...liveWatch,
    ...notificationMarks,
  }),
  activities: router(activityUpdates),
  follows: router(batchFollows),
  events: router(eventLog),
});

export type AppRouter = typeof appRouter;
