import type { Feed, StoredActivity, TidelineEvent } from '@tideline/domain';
import { positionParts, readCheckpoint, START } from '@tideline/event-store';
import type { FollowEdge } from '@tideline/fanout';
import { type Kysely, type QueryExecutorProvider, sql } from 'kysely';
import type { BatchChange } from '../project/record-batch.js';
import { REGENERATION_LOCK } from '../regeneration-lock.js';
import { edgesFrom } from './feed-queries.js';

/** A feed whose changes are wanted, and the position after which they are. */
export interface FeedSince {
  feed: Feed;
  after: string;
}

/** An event of the log (typed by its `type`) with what the read models say of it. */
type ChangeRow = TidelineEvent & {
  pos: string;
  own_feeds: string[] | null;
  body: StoredActivity | null;
  time_ms: string | number | null;
  added_position: string | null;
  removed_position: string | null;
};

const PAGE = 1000;

export interface ChangeOptions {
  /** Stop after this many matching events of the log (the result says how far it got). */
  maxEvents?: number;
  /** Only these event types, e.g. `['FeedFollowed', 'FeedUnfollowed']`. */
  eventTypes?: readonly string[];
}

const ALL_TYPES = [
  'ActivityAdded',
  'ActivityUpdated',
  'ActivityRemoved',
  'FeedMarked',
  'FeedFollowed',
  'FeedUnfollowed',
];

/**
 * What the feed projector has applied to `feeds` since each one's position, and how far
 * it has got (`upTo`, its checkpoint). Takes the regeneration lock shared, so a batch the
 * projector is in the middle of — and may already have published — is committed first:
 * a subscriber that subscribed before calling this misses nothing between the two.
 *
 * @example
 * const { upTo, changes } = await readFeedChanges(db, [{ feed: 'user:ana', after }]);
 */
export async function readFeedChanges(
  db: Kysely<unknown>,
  feeds: readonly FeedSince[],
  options: ChangeOptions = {},
): Promise<{ upTo: string; changes: BatchChange[]; complete: boolean }> {
  return db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock_shared(${REGENERATION_LOCK})`.execute(tx);
    const checkpoint = (await readCheckpoint(tx, 'feeds')) ?? START;
    const read = await feedChangesAfter(tx, feeds, checkpoint, options);
    return { upTo: read.through ?? checkpoint, changes: read.changes, complete: !read.through };
  });
}

/**
 * The feeds `source` follows as the projector's checkpoint has them, read with it under
 * the regeneration lock (shared): a batch in progress — which may have published already —
 * commits first, and none starts meanwhile, so `edges` are exactly those at `upTo`. A
 * watch that starts from a position at or before `upTo` misses no follow in between.
 *
 * @example
 * const { upTo, edges } = await readEdgesAtCheckpoint(db, 'timeline:ana');
 */
export async function readEdgesAtCheckpoint(
  db: Kysely<unknown>,
  source: Feed,
): Promise<{ upTo: string; edges: FollowEdge[] }> {
  return db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock_shared(${REGENERATION_LOCK})`.execute(tx);
    const upTo = (await readCheckpoint(tx, 'feeds')) ?? START;
    return { upTo, edges: await edgesFrom(tx, source) };
  });
}

/**
 * The changes the feed projector applied to `feeds` after each one's position, up to
 * `upTo` (the projector's checkpoint: everything up to it is applied), in log order — as
 * `recordBatch` reported them, read back from the event log and the read models, so
 * `feedMessages` turns them into the same messages the projector published. Adds and
 * removals are exact (only the effective ones, by their recorded positions). An update is
 * reported with the activity's current body and left out once the activity is removed,
 * so updates the projector applied in one batch come back one per event.
 *
 * @example
 * const changes = await feedChangesAfter(tx, [{ feed: 'user:ana', after }], checkpoint);
 * const messages = feedMessages(changes);
 */
export async function feedChangesAfter(
  executor: QueryExecutorProvider,
  feeds: readonly FeedSince[],
  upTo: string,
  options: ChangeOptions = {},
): Promise<{ changes: BatchChange[]; through?: string }> {
  if (feeds.length === 0) return { changes: [] };
  const from = feeds.map((f) => f.after).sort()[0] ?? upTo;
  if (from >= upTo) return { changes: [] };
  let budget = options.maxEvents ?? Number.POSITIVE_INFINITY;
  const end = positionParts(upTo);
  let cursor = positionParts(from);
  const names = [...new Set(feeds.map((f) => f.feed))];
  const changes: BatchChange[] = [];
  for (;;) {
    const { rows } = await sql<ChangeRow & { transaction_id: string; position: string }>`
      SELECT lpad(to_hex(e.transaction_id::text::bigint), 16, '0') || lpad(to_hex(e.position), 16, '0') AS pos,
        e.transaction_id::text AS transaction_id, e.position, e.type, e.data,
        fa.own_feeds, fa.body, fa.time_ms, fa.added_position, fa.removed_position
      FROM events e
      LEFT JOIN feed_activities fa
        ON e.type IN ('ActivityAdded', 'ActivityUpdated', 'ActivityRemoved') AND fa.id = e.data ->> 'id'
      WHERE (e.transaction_id, e.position) > (${cursor.transactionId.toString()}::xid8, ${cursor.sequence.toString()}::bigint)
        AND (e.transaction_id, e.position) <= (${end.transactionId.toString()}::xid8, ${end.sequence.toString()}::bigint)
        AND e.type = ANY(${[...(options.eventTypes ?? ALL_TYPES)]}::text[])
        AND (
          (e.type = 'ActivityAdded' AND (e.data ->> 'feed' = ANY(${names}::text[]) OR e.data -> 'to' ?| ${names}::text[]))
          OR (e.type IN ('ActivityUpdated', 'ActivityRemoved') AND fa.own_feeds && ${names}::text[])
          OR (e.type = 'FeedMarked' AND e.data ->> 'feed' = ANY(${names}::text[]))
          OR (e.type IN ('FeedFollowed', 'FeedUnfollowed') AND e.data ->> 'source' = ANY(${names}::text[]))
        )
      ORDER BY e.transaction_id, e.position
      LIMIT ${Math.min(PAGE, budget)}`.execute(executor);
    for (const row of rows) {
      const change = changeOf(row);
      if (change !== undefined) changes.push(change);
    }
    budget -= rows.length;
    const last = rows.at(-1);
    if (last === undefined || rows.length < PAGE) {
      // Stopped by the budget, not by the end: say how far it got.
      return budget <= 0 && last !== undefined ? { changes, through: last.pos } : { changes };
    }
    if (budget <= 0) return { changes, through: last.pos };
    cursor = { transactionId: BigInt(last.transaction_id), sequence: BigInt(last.position) };
  }
}

function changeOf(row: ChangeRow): BatchChange | undefined {
  const position = row.pos;
  switch (row.type) {
    case 'ActivityAdded':
      return row.added_position === position
        ? { kind: 'added', activity: row.data, position }
        : undefined;
    case 'ActivityRemoved': {
      if (row.removed_position !== position || row.own_feeds === null) return undefined;
      const { id } = row.data;
      return {
        kind: 'removed',
        id,
        feeds: row.own_feeds,
        entry: { timeMs: Number(row.time_ms), id },
        position,
      };
    }
    case 'ActivityUpdated':
      return row.body !== null && row.removed_position === null
        ? { kind: 'updated', id: row.body.id, body: row.body, position }
        : undefined;
    case 'FeedMarked':
      return { kind: 'marked', mark: row.data, position };
    case 'FeedFollowed':
    case 'FeedUnfollowed': {
      const edge = {
        source: row.data.source,
        target: row.data.target,
        cutoffMs: null,
        cutoffId: null,
        followedPosition: position,
      };
      return row.type === 'FeedFollowed'
        ? { kind: 'followed', edge, ended: false, position }
        : { kind: 'unfollowed', edge, position };
    }
    default:
      return undefined;
  }
}
