import {
  type ActivityId,
  activityIdSchema,
  activityUpdateInputSchema,
  applyExtraUpdate,
  extraSchema,
  parseInput,
  type StoredActivity,
  TidelineError,
} from '@tideline/domain';
import { appendToStream, type Position } from '@tideline/event-store';
import type { Kysely } from 'kysely';
import { readActivityStates, streamVersion } from './activity-history.js';
import { type CommandContext, metadataOf, retryOnConflict } from './command-context.js';

/**
 * Applies `set` (dotted paths) and `unset` to an activity's `extra`. The append expects the
 * stream version it read, so two concurrent updates never lose each other's changes.
 *
 * @example
 * await updateActivity(db, activityId, { set: { 'stats.likes': 3 }, unset: ['draft'] });
 */
export async function updateActivity(
  db: Kysely<unknown>,
  activityId: ActivityId,
  input: unknown,
  context: CommandContext = {},
): Promise<{ activity: StoredActivity; position: Position }> {
  const id = parseInput(activityIdSchema, activityId);
  const update = parseInput(activityUpdateInputSchema, input);
  return retryOnConflict(() =>
    db.transaction().execute(async (tx) => {
      const state = (await readActivityStates(tx, [id])).get(id);
      if (!state || state.removed) {
        throw new TidelineError('NOT_FOUND', `activity ${id} does not exist`);
      }
      const version = await streamVersion(tx, state.streamId);
      // Re-read after the version: anything newer makes the append conflict and retry.
      const current = (await readActivityStates(tx, [id])).get(id) ?? state;
      const extra = parseInput(extraSchema, applyExtraUpdate(current.activity.extra, update));
      const { position } = await appendToStream(
        tx,
        state.streamId,
        [
          {
            type: 'ActivityUpdated',
            data: {
              id,
              feed: current.activity.feed,
              set: update.set ?? {},
              unset: update.unset ?? [],
              extra,
            },
            metadata: metadataOf(context),
          },
        ],
        { expectedVersion: version },
      );
      return { activity: { ...current.activity, extra }, position };
    }),
  );
}
