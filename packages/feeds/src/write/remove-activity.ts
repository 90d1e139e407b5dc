import {
  activityRemoveInputSchema,
  type Feed,
  feedSchema,
  parseInput,
  TidelineError,
} from '@tideline/domain';
import { appendToStream, lockStream, type Position } from '@tideline/event-store';
import type { Kysely } from 'kysely';
import {
  type ActivityState,
  readActivitiesByForeignId,
  readActivityStates,
  streamVersion,
} from './activity-history.js';
import { type CommandContext, metadataOf } from './command-context.js';
import { feedStreamName } from './stream-names.js';

/**
 * Removes an activity of `feed` by `{ id }`, or every activity of `feed` with
 * `{ foreignId }`. Removing again returns the earlier removal's position; an activity that
 * never existed in the feed is `NOT_FOUND`. Like updates, removals take the feed stream's
 * lock (`lockStream`) before they read, so concurrent writes to one feed take turns
 * instead of failing with VERSION_CONFLICT; the append still expects the version read.
 *
 * @example
 * await removeActivity(db, 'user:ana', { foreignId: 'post:1' });
 */
export async function removeActivity(
  db: Kysely<unknown>,
  feed: Feed,
  input: unknown,
  context: CommandContext = {},
): Promise<{ removed: string[]; position: Position }> {
  const validFeed = parseInput(feedSchema, feed);
  const target = parseInput(activityRemoveInputSchema, input);
  const streamId = feedStreamName(validFeed);
  return db.transaction().execute(async (tx) => {
    await lockStream(tx, streamId);
    const version = await streamVersion(tx, streamId);
    const states: ActivityState[] =
      target.id === undefined
        ? await readActivitiesByForeignId(tx, streamId, target.foreignId ?? '')
        : [...(await readActivityStates(tx, [target.id])).values()].filter(
            (state) => state.streamId === streamId,
          );
    const latest = states
      .map((state) => state.position)
      .sort()
      .at(-1);
    if (latest === undefined) {
      const what = target.id === undefined ? `foreignId ${target.foreignId}` : target.id;
      throw new TidelineError('NOT_FOUND', `activity ${what} does not exist in ${validFeed}`);
    }
    const live = states.filter((state) => !state.removed);
    // Removed already: removing again is a no-op that reports the removal.
    if (live.length === 0) return { removed: [], position: latest };
    const { position } = await appendToStream(
      tx,
      streamId,
      live.map((state) => ({
        type: 'ActivityRemoved',
        data: {
          id: state.activity.id,
          feed: validFeed,
          ...(state.activity.foreignId === undefined
            ? {}
            : { foreignId: state.activity.foreignId }),
        },
        metadata: metadataOf(context),
      })),
      { expectedVersion: version },
    );
    return { removed: live.map((state) => state.activity.id), position };
  });
}
