import { randomBytes, randomUUID } from 'node:crypto';
import {
  type ActivityInput,
  activityBatchInputSchema,
  activityIdRandomBytes,
  activityInputSchema,
  type Feed,
  feedSchema,
  formatActivityId,
  parseInput,
  type StoredActivity,
  toStoredActivity,
} from '@tideline/domain';
import { appendToStream, type Position, positionOfRow } from '@tideline/event-store';
import { type Kysely, type QueryExecutorProvider, sql } from 'kysely';
import { type CommandContext, metadataOf } from './command-context.js';
import { nameBasedEventId } from './event-id.js';
import { feedStreamName } from './stream-names.js';

export interface AddedActivity {
  activity: StoredActivity;
  position: Position;
  /** False when `(feed, foreignId, time)` was added before: this is the original. */
  created: boolean;
}

/**
 * Adds one activity to a feed (and copies to its `to` feeds). Idempotent by
 * `(feed, foreignId, time)`: adding it again returns the original, never a duplicate.
 *
 * @example
 * const { activity, position } = await addActivity(db, 'user:ana', { actor: 'ana', verb: 'post', object: 'photo:1' });
 */
export async function addActivity(
  db: Kysely<unknown>,
  feed: Feed,
  input: unknown,
  context: CommandContext = {},
): Promise<AddedActivity> {
  const validFeed = parseInput(feedSchema, feed);
  const [added] = await addValidated(
    db,
    validFeed,
    [parseInput(activityInputSchema, input)],
    context,
  );
  if (!added) throw new Error('addValidated returned nothing');
  return added;
}

/**
 * Adds up to 100 activities to one feed in one append; results come back in input order.
 * Inputs that were added before return their originals.
 */
export async function addActivities(
  db: Kysely<unknown>,
  feed: Feed,
  inputs: unknown,
  context: CommandContext = {},
): Promise<AddedActivity[]> {
  const validFeed = parseInput(feedSchema, feed);
  return addValidated(db, validFeed, parseInput(activityBatchInputSchema, inputs), context);
}

async function addValidated(
  db: Kysely<unknown>,
  feed: Feed,
  items: readonly ActivityInput[],
  context: CommandContext,
): Promise<AddedActivity[]> {
  const now = new Date();
  const planned = items.map((input) => {
    const activity = toStoredActivity(input, {
      id: formatActivityId(now.getTime(), randomBytes(activityIdRandomBytes)),
      feed,
      now: now.toISOString(),
    });
    const eventId =
      activity.foreignId === undefined
        ? randomUUID()
        : nameBasedEventId(feed, activity.foreignId, activity.time);
    return { activity, eventId };
  });
  try {
    return await appendPlanned(db, feed, planned, context);
  } catch (error) {
    // A concurrent add of the same (feed, foreignId, time) won the race: now it is found.
    if (!isLostRace(error)) throw error;
    return appendPlanned(db, feed, planned, context);
  }
}

interface Planned {
  activity: StoredActivity;
  eventId: string;
}

async function appendPlanned(
  db: Kysely<unknown>,
  feed: Feed,
  planned: readonly Planned[],
  context: CommandContext,
): Promise<AddedActivity[]> {
  return db.transaction().execute(async (tx) => {
    const originals = await findOriginals(tx, planned);
    // Within one batch, a repeated (foreignId, time) is the same activity too.
    const fresh = new Map<string, Planned>();
    for (const item of planned) {
      if (!originals.has(item.eventId) && !fresh.has(item.eventId)) fresh.set(item.eventId, item);
    }
    const appended =
      fresh.size === 0
        ? undefined
        : await appendToStream(
            tx,
            feedStreamName(feed),
            [...fresh.values()].map((item) => ({
              type: 'ActivityAdded',
              id: item.eventId,
              data: item.activity,
              metadata: metadataOf(context),
            })),
          );
    // The event store found these ids stored by a concurrent add that committed after our
    // lookup: its activity is the original, so look again instead of returning ours.
    if (appended?.duplicate) throw new LostRace('a concurrent add stored these activities');
    const claimed = new Set<string>();
    return planned.map((item): AddedActivity => {
      const original = originals.get(item.eventId);
      if (original) {
        return {
          activity: original.data,
          position: positionOfRow(original),
          created: false,
        };
      }
      const chosen = fresh.get(item.eventId) ?? item;
      const first = !claimed.has(item.eventId);
      claimed.add(item.eventId);
      if (!appended) throw new Error('nothing was appended');
      return { activity: chosen.activity, position: appended.position, created: first };
    });
  });
}

interface Original {
  event_id: string;
  data: StoredActivity;
  transaction_id: string;
  position: number;
}

/**
 * The stored events of activities added before, by event id. Only an activity with a
 * foreignId has an event id an earlier add could have used (the others' are random), so
 * most adds need not look.
 */
async function findOriginals(
  tx: QueryExecutorProvider,
  planned: readonly Planned[],
): Promise<Map<string, Original>> {
  const ids = planned.filter((p) => p.activity.foreignId !== undefined).map((p) => p.eventId);
  if (ids.length === 0) return new Map();
  const existing = await sql<Original>`
    SELECT event_id, data, transaction_id::text AS transaction_id, position FROM events
    WHERE event_id = ANY(${ids}::uuid[])`.execute(tx);
  return new Map(existing.rows.map((row) => [row.event_id, row]));
}

/** Signals that another add of the same activities committed while this one ran. */
class LostRace extends Error {}

function isLostRace(error: unknown): boolean {
  if (error instanceof LostRace) return true;
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  return error.code === '23505' || error.code === 'IDEMPOTENCY_CONFLICT';
}
