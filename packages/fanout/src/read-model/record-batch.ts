import type {
  ActivityAddedData,
  ActivityRemovedData,
  ActivityUpdatedData,
  Feed,
  FeedFollowedData,
  FeedGroupConfig,
  FeedMarkedData,
  FeedUnfollowedData,
} from '@tideline/domain';
import type { StoredEvent } from '@tideline/event-store';
import { type QueryExecutorProvider, sql } from 'kysely';
import { refreshGroups } from './feed-groups.js';
import { type EdgeRow, type EdgeSqlRow, type Entry, toEdgeRow } from './feed-queries.js';
import { type NewActivity, recordActivitiesAdded } from './record-activities.js';

/**
 * What one batch changed, in log order, for the Redis writes, jobs and feed messages that
 * follow; `position` is the event's.
 */
export type BatchChange = { position: string } & (
  | { kind: 'added'; activity: ActivityAddedData }
  | { kind: 'updated'; id: string; body: ActivityAddedData }
  | { kind: 'removed'; id: string; feeds: Feed[]; entry: Entry }
  | { kind: 'followed'; edge: EdgeRow; ended: boolean }
  | { kind: 'unfollowed'; edge: EdgeRow }
  | { kind: 'marked'; mark: FeedMarkedData }
);

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
  events: readonly StoredEvent[],
  config: { fanoutThreshold: number; groups: readonly FeedGroupConfig[] },
): Promise<RecordedBatch> {
  const adds: NewActivity[] = [];
  const removals = new Map<string, string>();
  const updates = new Map<string, ActivityUpdatedData>();
  const edgeEvents: StoredEvent[] = [];
  const marks: { data: FeedMarkedData; position: string }[] = [];
  for (const event of events) {
    if (event.type === 'ActivityAdded') {
      adds.push({ activity: event.data as ActivityAddedData, position: event.position });
    } else if (event.type === 'ActivityRemoved') {
      const { id } = event.data as ActivityRemovedData;
      if (!removals.has(id)) removals.set(id, event.position);
    } else if (event.type === 'ActivityUpdated') {
      const update = event.data as ActivityUpdatedData;
      updates.set(update.id, update);
    } else if (event.type === 'FeedFollowed' || event.type === 'FeedUnfollowed') {
      edgeEvents.push(event);
    } else if (event.type === 'FeedMarked') {
      marks.push({ data: event.data as FeedMarkedData, position: event.position });
    }
  }

  const added = await recordActivitiesAdded(tx, adds, config.groups);
  const recorded = new Set(added.recorded.map((a) => a.activity.id));
  const removed = await markRemoved(tx, removals);
  const bodies = await applyUpdates(tx, [...updates.values()]);
  const follows = await recordEdges(tx, edgeEvents, config.fanoutThreshold);
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
    if (event.type === 'ActivityAdded') {
      const activity = event.data as ActivityAddedData;
      if (recorded.has(activity.id)) {
        changes.push({ kind: 'added', activity, position: event.position });
      }
    } else if (event.type === 'ActivityRemoved') {
      const { id } = event.data as ActivityRemovedData;
      const done = removed.get(id);
      if (done && removals.get(id) === event.position)
        changes.push({ kind: 'removed', id, ...done, position: event.position });
    } else if (event.type === 'ActivityUpdated') {
      const update = event.data as ActivityUpdatedData;
      const body = bodies.get(update.id);
      if (body && lastUpdate.get(update.id) === update)
        changes.push({ kind: 'updated', id: update.id, body, position: event.position });
    } else if (event.type === 'FeedMarked') {
      changes.push({
        kind: 'marked',
        mark: event.data as FeedMarkedData,
        position: event.position,
      });
    } else {
      const change = follows.changes.get(event.position);
      if (change) changes.push(change);
    }
  }
  return { changes, crossings: follows.crossings };
}

/**
 * Keeps the latest `seen`/`read` position per feed (for `true`) and per named group. Marks
 * commute with everything else in a batch: a group is seen when the latest mark covering it
 * comes after its last member joined, whatever happened in between.
 */
async function recordMarks(
  tx: QueryExecutorProvider,
  marks: readonly { data: FeedMarkedData; position: string }[],
): Promise<void> {
  if (marks.length === 0) return;
  const all: { feed: string; seen: string | null; read: string | null }[] = [];
  const named: { feed: string; group_id: string; seen: string | null; read: string | null }[] = [];
  for (const { data, position } of marks) {
    if (data.seen === true || data.read === true) {
      all.push({
        feed: data.feed,
        seen: data.seen === true ? position : null,
        read: data.read === true ? position : null,
      });
    }
    for (const kind of ['seen', 'read'] as const) {
      const ids = data[kind];
      if (!Array.isArray(ids)) continue;
      for (const group_id of ids) {
        named.push({
          feed: data.feed,
          group_id,
          seen: kind === 'seen' ? position : null,
          read: kind === 'read' ? position : null,
        });
      }
    }
  }
  // Positions are fixed-width hex, so greatest() on text keeps the latest mark.
  if (all.length > 0) {
    await sql`
      INSERT INTO feed_mark_all AS m (feed, seen_position, read_position)
      SELECT r.feed, max(r.seen), max(r.read)
      FROM jsonb_to_recordset(${JSON.stringify(all)}::jsonb) AS r(feed text, seen text, read text)
      GROUP BY r.feed
      ON CONFLICT (feed) DO UPDATE SET
        seen_position = greatest(m.seen_position, EXCLUDED.seen_position),
        read_position = greatest(m.read_position, EXCLUDED.read_position)`.execute(tx);
  }
  if (named.length > 0) {
    await sql`
      INSERT INTO feed_marks AS m (feed, group_id, seen_position, read_position)
      SELECT r.feed, r.group_id, max(r.seen), max(r.read)
      FROM jsonb_to_recordset(${JSON.stringify(named)}::jsonb)
        AS r(feed text, group_id text, seen text, read text)
      GROUP BY r.feed, r.group_id
      ON CONFLICT (feed, group_id) DO UPDATE SET
        seen_position = greatest(m.seen_position, EXCLUDED.seen_position),
        read_position = greatest(m.read_position, EXCLUDED.read_position)`.execute(tx);
  }
}

async function markRemoved(
  tx: QueryExecutorProvider,
  removals: ReadonlyMap<string, string>,
): Promise<Map<string, { feeds: Feed[]; entry: Entry }>> {
  const done = new Map<string, { feeds: Feed[]; entry: Entry }>();
  if (removals.size === 0) return done;
  const rows = [...removals].map(([id, position]) => ({ id, position }));
  const result = await sql<{ id: string; own_feeds: string[]; time_ms: number }>`
    UPDATE feed_activities fa SET removed_position = r.position
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(id text, position text)
    WHERE fa.id = r.id AND fa.removed_position IS NULL
    RETURNING fa.id, fa.own_feeds, fa.time_ms`.execute(tx);
  for (const row of result.rows) {
    done.set(row.id, { feeds: row.own_feeds, entry: { timeMs: row.time_ms, id: row.id } });
  }
  return done;
}

/** The last update per activity decides its `extra`; removed activities keep theirs. */
async function applyUpdates(
  tx: QueryExecutorProvider,
  updates: readonly ActivityUpdatedData[],
): Promise<Map<string, ActivityAddedData>> {
  if (updates.length === 0) return new Map();
  const rows = updates.map((u) => ({ id: u.id, extra: u.extra }));
  const result = await sql<{ id: string; body: ActivityAddedData }>`
    UPDATE feed_activities fa SET body = jsonb_set(fa.body, '{extra}', r.extra)
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(id text, extra jsonb)
    WHERE fa.id = r.id AND fa.removed_position IS NULL
    RETURNING fa.id, fa.body`.execute(tx);
  return new Map(result.rows.map((row) => [row.id, row.body]));
}

interface PendingEdge extends EdgeRow {
  copyLimit: number;
}

/**
 * Folds follow and unfollow events per edge, in order, against the edges stored before
 * the batch; writes the final edges, kept histories and counts; reports each effective
 * change by event position, and which targets crossed the threshold on the way.
 */
async function recordEdges(
  tx: QueryExecutorProvider,
  events: readonly StoredEvent[],
  threshold: number,
): Promise<{
  changes: Map<string, BatchChange>;
  crossings: Map<Feed, { up: boolean; down: boolean }>;
}> {
  const changes = new Map<string, BatchChange>();
  const crossings = new Map<Feed, { up: boolean; down: boolean }>();
  if (events.length === 0) return { changes, crossings };
  const key = (source: Feed, target: Feed) => `${source}>${target}`;
  const pairs = new Map<string, { source: Feed; target: Feed }>();
  for (const event of events) {
    const { source, target } = event.data as FeedFollowedData;
    if (source !== target) pairs.set(key(source, target), { source, target });
  }
  const stored = await storedEdges(tx, [...pairs.values()]);
  const current = new Map<string, EdgeRow | PendingEdge | undefined>(stored);
  // The change that created each edge in this batch, to flag it when the edge ends.
  const followedChanges = new Map<EdgeRow, { ended: boolean }>();
  const created: PendingEdge[] = [];
  const kept: { edge: EdgeRow; until: string }[] = [];
  const sequence: CountStep[] = [];
  for (const event of events) {
    const data = event.data as FeedFollowedData | FeedUnfollowedData;
    if (data.source === data.target) continue;
    const pair = key(data.source, data.target);
    const edge = current.get(pair);
    if (event.type === 'FeedFollowed' && !edge) {
      const fresh: PendingEdge = {
        source: data.source,
        target: data.target,
        cutoffMs: null,
        cutoffId: null,
        followedPosition: event.position,
        copyLimit: (data as FeedFollowedData).copyLimit,
      };
      current.set(pair, fresh);
      created.push(fresh);
      sequence.push({ source: data.source, target: data.target, delta: 1 });
      const change = {
        kind: 'followed' as const,
        edge: fresh,
        ended: false,
        position: event.position,
      };
      changes.set(event.position, change);
      followedChanges.set(fresh, change);
    } else if (event.type === 'FeedUnfollowed' && edge) {
      current.set(pair, undefined);
      if ((data as FeedUnfollowedData).keepHistory) kept.push({ edge, until: event.position });
      sequence.push({ source: data.source, target: data.target, delta: -1 });
      changes.set(event.position, { kind: 'unfollowed', edge, position: event.position });
      const followed = followedChanges.get(edge);
      if (followed) followed.ended = true;
    }
  }
  await resolveCutoffs(tx, created);

  const ended = [...pairs.keys()].filter(
    (pair) => stored.has(pair) && current.get(pair) !== stored.get(pair),
  );
  if (ended.length > 0) {
    const rows = ended.map((pair) => pairs.get(pair));
    await sql`
      DELETE FROM follows f USING jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(source text, target text)
      WHERE f.source = r.source AND f.target = r.target`.execute(tx);
  }
  const inserts = [...current.values()].filter(
    (edge): edge is PendingEdge => edge !== undefined && created.includes(edge as PendingEdge),
  );
  if (inserts.length > 0) {
    await sql`
      INSERT INTO follows (source, target, cutoff_ms, cutoff_id, followed_position)
      SELECT source, target, "cutoffMs", "cutoffId", "followedPosition"
      FROM jsonb_to_recordset(${JSON.stringify(inserts)}::jsonb)
        AS r(source text, target text, "cutoffMs" bigint, "cutoffId" text, "followedPosition" text)`.execute(
      tx,
    );
  }
  if (kept.length > 0) {
    const rows = kept.map(({ edge, until }) => ({ ...edge, until }));
    await sql`
      INSERT INTO kept_follows (source, target, cutoff_ms, cutoff_id, until_position, followed_position)
      SELECT source, target, "cutoffMs", "cutoffId", until, "followedPosition"
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS r(source text, target text, "cutoffMs" bigint, "cutoffId" text, until text, "followedPosition" text)
      ON CONFLICT DO NOTHING`.execute(tx);
  }

  const after = await applyCountDeltas(tx, sequence);
  for (const [target, count] of after) {
    let n =
      count - sequence.filter((s) => s.target === target).reduce((sum, s) => sum + s.delta, 0);
    const crossing = { up: false, down: false };
    for (const step of sequence) {
      if (step.target !== target) continue;
      const next = n + step.delta;
      if (n <= threshold && next > threshold) crossing.up = true;
      if (n > threshold && next <= threshold) crossing.down = true;
      n = next;
    }
    if (crossing.up || crossing.down) crossings.set(target, crossing);
  }
  return { changes, crossings };
}

async function storedEdges(
  tx: QueryExecutorProvider,
  pairs: readonly { source: Feed; target: Feed }[],
): Promise<Map<string, EdgeRow>> {
  const result = await sql<EdgeSqlRow>`
    SELECT f.source, f.target, f.cutoff_ms, f.cutoff_id, f.followed_position
    FROM follows f JOIN jsonb_to_recordset(${JSON.stringify(pairs)}::jsonb) AS r(source text, target text)
      ON f.source = r.source AND f.target = r.target`.execute(tx);
  return new Map(result.rows.map((row) => [`${row.source}>${row.target}`, toEdgeRow(row)]));
}

/**
 * Each new edge's cutoff as of its own position: the key of the target's (copyLimit+1)-th
 * newest entry among those added before the follow and not removed before it.
 */
async function resolveCutoffs(tx: QueryExecutorProvider, edges: PendingEdge[]): Promise<void> {
  if (edges.length === 0) return;
  const rows = edges.map((edge, n) => ({
    n,
    target: edge.target,
    copy_limit: edge.copyLimit,
    position: edge.followedPosition,
  }));
  const result = await sql<{ n: number; time_ms: number | null; activity_id: string | null }>`
    SELECT r.n, c.time_ms, c.activity_id
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS r(n int, target text, copy_limit int, position text)
    LEFT JOIN LATERAL (
      SELECT e.time_ms, e.activity_id FROM feed_entries e
      JOIN feed_activities a ON a.id = e.activity_id
      WHERE e.feed = r.target AND e.added_position < r.position
        AND (a.removed_position IS NULL OR a.removed_position > r.position)
      ORDER BY e.time_ms DESC, e.activity_id DESC OFFSET r.copy_limit LIMIT 1
    ) AS c ON true`.execute(tx);
  for (const row of result.rows) {
    const edge = edges[row.n];
    if (!edge) continue;
    edge.cutoffMs = row.time_ms;
    edge.cutoffId = row.activity_id;
  }
}

interface CountStep {
  source: Feed;
  target: Feed;
  delta: 1 | -1;
}

/** Applies the net count changes in one statement; returns each target's new count. */
async function applyCountDeltas(
  tx: QueryExecutorProvider,
  sequence: readonly CountStep[],
): Promise<Map<Feed, number>> {
  const result = new Map<Feed, number>();
  if (sequence.length === 0) return result;
  const deltas = new Map<Feed, { feed: Feed; followers: number; following: number }>();
  const delta = (feed: Feed) => {
    const row = deltas.get(feed) ?? { feed, followers: 0, following: 0 };
    deltas.set(feed, row);
    return row;
  };
  for (const step of sequence) {
    delta(step.target).followers += step.delta;
    delta(step.source).following += step.delta;
  }
  const targets = new Set(sequence.map((step) => step.target));
  const upserted = await sql<{ feed: string; followers: number }>`
    INSERT INTO follower_counts (feed, followers, following)
    SELECT r.feed, r.followers, r.following
    FROM jsonb_to_recordset(${JSON.stringify([...deltas.values()])}::jsonb)
      AS r(feed text, followers int, following int)
    ON CONFLICT (feed) DO UPDATE SET
      followers = follower_counts.followers + EXCLUDED.followers,
      following = follower_counts.following + EXCLUDED.following
    RETURNING feed, followers`.execute(tx);
  for (const row of upserted.rows) if (targets.has(row.feed)) result.set(row.feed, row.followers);
  return result;
}
