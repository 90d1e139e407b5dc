import type { Feed, FeedFollowed, FeedUnfollowed } from '@tideline/domain';
import type { StoredEventOf } from '@tideline/event-store';
import { type FanoutConfig, type FollowEdge, fanoutMode } from '@tideline/fanout';
import { type QueryExecutorProvider, sql } from 'kysely';
import { type EdgeSqlRow, toFollowEdge } from '../read/feed-queries.js';

/** An effective follow or unfollow of a batch; `position` is the event's. */
export type FollowChange = { position: string } & (
  | { kind: 'followed'; edge: FollowEdge; ended: boolean }
  | { kind: 'unfollowed'; edge: FollowEdge }
);

interface PendingEdge extends FollowEdge {
  copyLimit: number;
}

/**
 * Folds follow and unfollow events per edge, in order, against the edges stored before
 * the batch; writes the final edges, kept histories and counts; reports each effective
 * change by event position, and which targets crossed the threshold on the way.
 */
export async function recordFollows(
  tx: QueryExecutorProvider,
  events: readonly StoredEventOf<FeedFollowed | FeedUnfollowed>[],
  config: Pick<FanoutConfig, 'fanoutThreshold'>,
): Promise<{
  changes: Map<string, FollowChange>;
  crossings: Map<Feed, { up: boolean; down: boolean }>;
}> {
  const changes = new Map<string, FollowChange>();
  const crossings = new Map<Feed, { up: boolean; down: boolean }>();
  if (events.length === 0) return { changes, crossings };
  const key = (source: Feed, target: Feed) => `${source}>${target}`;
  const pairs = new Map<string, { source: Feed; target: Feed }>();
  for (const event of events) {
    const { source, target } = event.data;
    if (source !== target) pairs.set(key(source, target), { source, target });
  }
  const stored = await storedEdges(tx, [...pairs.values()]);
  const current = new Map<string, FollowEdge | PendingEdge | undefined>(stored);
  // The change that created each edge in this batch, to flag it when the edge ends.
  const followedChanges = new Map<FollowEdge, { ended: boolean }>();
  const created: PendingEdge[] = [];
  const kept: { edge: FollowEdge; until: string }[] = [];
  const sequence: CountStep[] = [];
  for (const event of events) {
    const { data } = event;
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
        copyLimit: event.data.copyLimit,
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
      if (event.data.keepHistory) kept.push({ edge, until: event.position });
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
      const [from, to] = [fanoutMode(n, config), fanoutMode(next, config)];
      if (from === 'write' && to === 'read') crossing.up = true;
      if (from === 'read' && to === 'write') crossing.down = true;
      n = next;
    }
    if (crossing.up || crossing.down) crossings.set(target, crossing);
  }
  return { changes, crossings };
}

async function storedEdges(
  tx: QueryExecutorProvider,
  pairs: readonly { source: Feed; target: Feed }[],
): Promise<Map<string, FollowEdge>> {
  const result = await sql<EdgeSqlRow>`
    SELECT f.source, f.target, f.cutoff_ms, f.cutoff_id, f.followed_position
    FROM follows f JOIN jsonb_to_recordset(${JSON.stringify(pairs)}::jsonb) AS r(source text, target text)
      ON f.source = r.source AND f.target = r.target`.execute(tx);
  return new Map(result.rows.map((row) => [`${row.source}>${row.target}`, toFollowEdge(row)]));
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
