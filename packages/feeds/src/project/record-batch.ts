import type {
  ActivityAddedData,
  ActivityUpdatedData,
  Feed,
  FeedFollowed,
  FeedGroupConfig,
  FeedMarkedData,
  FeedUnfollowed,
  TidelineEvent,
} from '@tideline/domain';
import type { StoredEventOf } from '@tideline/event-store';
import type { Entry, FanoutConfig } from '@tideline/fanout';
import { type QueryExecutorProvider, sql } from 'kysely';
import { refreshGroups } from './feed-groups.js';
import {
  type NewActivity,
  recordActivitiesAdded,
  recordRemovals,
  recordUpdates,
} from './record-activities.js';
import { type FollowChange, recordFollows } from './record-follows.js';
import { recordMarks } from './record-marks.js';

/** An event the feed projector handles, typed by its `type`. */
export type FeedEvent = StoredEventOf<TidelineEvent>;

/**
 * What one batch changed, in log order, for the Redis writes, jobs and feed messages that
 * follow; `position` is the event's.
 */
export type BatchChange =
  | FollowChange
  | ({ position: string } & (
      | { kind: 'added'; activity: ActivityAddedData }
      | { kind: 'updated'; id: string; body: ActivityAddedData }
      | { kind: 'removed'; id: string; feeds: Feed[]; entry: Entry }
      | { kind: 'marked'; mark: FeedMarkedData }
    ));

export interface RecordedBatch {
  changes: BatchChange[];
  /** Targets whose follower count crossed the threshold during the batch, and how. */
  crossings: Map<Feed, { up: boolean; down: boolean }>;
}

/**
 * Records a whole batch of feed events in PostgreSQL with a fixed number of statements,
 * whatever mix of types it holds — what makes replaying millions of events fast. Events
 * are folded in log order in memory; each follow's cutoff is computed "as of" its own
 * position (entries added before it and not yet removed), so the result is the same as
 * applying the events one by one.
 */
export async function recordBatch(
  tx: QueryExecutorProvider,
  events: readonly FeedEvent[],
  config: Pick<FanoutConfig, 'fanoutThreshold'> & { groups: readonly FeedGroupConfig[] },
): Promise<RecordedBatch> {
  const adds: NewActivity[] = [];
  const removals = new Map<string, string>();
  const updates = new Map<string, ActivityUpdatedData>();
  const edgeEvents: StoredEventOf<FeedFollowed | FeedUnfollowed>[] = [];
  const marks: { data: FeedMarkedData; position: string }[] = [];
  for (const event of events) {
    switch (event.type) {
      case 'ActivityAdded':
        adds.push({ activity: event.data, position: event.position });
        break;
      case 'ActivityRemoved':
        if (!removals.has(event.data.id)) removals.set(event.data.id, event.position);
        break;
      case 'ActivityUpdated':
        updates.set(event.data.id, event.data);
        break;
      case 'FeedFollowed':
      case 'FeedUnfollowed':
        edgeEvents.push(event);
        break;
      case 'FeedMarked':
        marks.push({ data: event.data, position: event.position });
        break;
    }
  }

  const added = await recordActivitiesAdded(tx, adds, config.groups);
  const recorded = new Set(added.recorded.map((a) => a.activity.id));
  const removed = await recordRemovals(tx, removals);
  const bodies = await recordUpdates(tx, [...updates.values()]);
  const follows = await recordFollows(tx, edgeEvents, config);
  await recordMarks(tx, marks);
  const touched = [...added.touched];
  if (removed.size > 0) {
    const left = await sql<{ feed: string; group_id: string | null }>`
      DELETE FROM feed_entries WHERE activity_id = ANY(${[...removed.keys()]}::text[])
      RETURNING feed, group_id`.execute(tx);
    for (const row of left.rows) {
      if (row.group_id !== null) touched.push({ feed: row.feed, groupId: row.group_id });
    }
  }
  await refreshGroups(tx, touched);

  const changes: BatchChange[] = [];
  const lastUpdate = new Map([...updates.values()].map((u) => [u.id, u]));
  for (const event of events) {
    const { position } = event;
    switch (event.type) {
      case 'ActivityAdded':
        if (recorded.has(event.data.id)) {
          changes.push({ kind: 'added', activity: event.data, position });
        }
        break;
      case 'ActivityRemoved': {
        const { id } = event.data;
        const done = removed.get(id);
        if (done && removals.get(id) === position) {
          changes.push({ kind: 'removed', id, ...done, position });
        }
        break;
      }
      case 'ActivityUpdated': {
        const update = event.data;
        const body = bodies.get(update.id);
        if (body && lastUpdate.get(update.id) === update) {
          changes.push({ kind: 'updated', id: update.id, body, position });
        }
        break;
      }
      case 'FeedMarked':
        changes.push({ kind: 'marked', mark: event.data, position });
        break;
      case 'FeedFollowed':
      case 'FeedUnfollowed': {
        const change = follows.changes.get(position);
        if (change) changes.push(change);
        break;
      }
    }
  }
  return { changes, crossings: follows.crossings };
}
