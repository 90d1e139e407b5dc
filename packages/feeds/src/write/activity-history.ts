import type { JsonObject, StoredActivity, TidelineEvent } from '@tideline/domain';
import { type Position, positionOfRow } from '@tideline/event-store';
import { type QueryExecutorProvider, sql } from 'kysely';

/** An activity as the log says it is now, read from the events, not from a projection. */
export interface ActivityState {
  activity: StoredActivity;
  streamId: string;
  removed: boolean;
  /** Position of the activity's latest event. */
  position: Position;
}

/** An activity event of the log, typed by its `type`, with where it sits. */
type HistoryRow = Extract<TidelineEvent, { type: `Activity${string}` }> & {
  stream_id: string;
  transaction_id: string;
  position: number;
};

const columns = sql`type, data, stream_id, transaction_id::text AS transaction_id, position`;

/** Folds the events of the given activity ids (uses the `events_activity_id_idx` index). */
export async function readActivityStates(
  executor: QueryExecutorProvider,
  ids: readonly string[],
): Promise<Map<string, ActivityState>> {
  const result = await sql<HistoryRow>`
    SELECT ${columns} FROM events
    WHERE data ->> 'id' = ANY(${ids}::text[])
      AND type IN ('ActivityAdded', 'ActivityUpdated', 'ActivityRemoved')
    -- The table's columns: the bare names would sort the text aliases ('99999' > '100000').
    ORDER BY events.transaction_id, events.position`.execute(executor);
  return fold(result.rows);
}

/** The activities added to `feed` with this foreignId, folded. */
export async function readActivitiesByForeignId(
  executor: QueryExecutorProvider,
  streamId: string,
  foreignId: string,
): Promise<ActivityState[]> {
  const added = await sql<{ id: string }>`
    SELECT data ->> 'id' AS id FROM events
    WHERE stream_id = ${streamId} AND data ->> 'foreignId' = ${foreignId} AND type = 'ActivityAdded'`.execute(
    executor,
  );
  const states = await readActivityStates(
    executor,
    added.rows.map((row) => row.id),
  );
  return [...states.values()];
}

/** The current version of a stream (0 = none), read before deciding on an append. */
export async function streamVersion(
  executor: QueryExecutorProvider,
  streamId: string,
): Promise<number> {
  const result = await sql<{ version: number }>`
    SELECT version FROM streams WHERE stream_id = ${streamId}`.execute(executor);
  return result.rows[0]?.version ?? 0;
}

function fold(rows: readonly HistoryRow[]): Map<string, ActivityState> {
  const states = new Map<string, ActivityState>();
  for (const row of rows) {
    const position = positionOfRow(row);
    if (row.type === 'ActivityAdded') {
      const activity = row.data;
      if (!states.has(activity.id)) {
        states.set(activity.id, { activity, streamId: row.stream_id, removed: false, position });
      }
      continue;
    }
    const { id } = row.data;
    const state = states.get(id);
    if (!state) continue;
    if (row.type === 'ActivityRemoved') {
      states.set(id, { ...state, removed: true, position });
    } else {
      const { extra } = row.data;
      states.set(id, {
        ...state,
        activity: { ...state.activity, extra: extra as JsonObject },
        position,
      });
    }
  }
  return states;
}
