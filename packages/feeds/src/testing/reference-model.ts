import {
  type Feed,
  type FeedMarkedData,
  isTidelineEventType,
  type StoredActivity,
  type TidelineEvent,
  tidelineEventSchema,
} from '@tideline/domain';

/**
 * What every feed must contain after a log, computed the slow, obvious way straight from
 * docs/feeds.md ("What a feed contains"). Convergence tests compare the real system
 * (PostgreSQL read models, Redis timelines, hybrid fan-out) against this.
 */

/** One event as the log hands it back; `position` sorts lexicographically in log order. */
export interface LogEvent {
  readonly type: string;
  readonly data: unknown;
  readonly streamId: string;
  readonly position: string;
}

/** An activity's ordering key `(time, id)`: time in ms first, then id as text. */
export interface ActivityKey {
  readonly timeMs: number;
  readonly id: string;
}

export function keyOf(activity: Pick<StoredActivity, 'id' | 'time'>): ActivityKey {
  return { timeMs: Date.parse(activity.time), id: activity.id };
}

/** Negative when `a` is older than `b`; ids are unique, so only one activity compares 0. */
export function compareKeys(a: ActivityKey, b: ActivityKey): number {
  if (a.timeMs !== b.timeMs) return a.timeMs - b.timeMs;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A follow edge; `cutoff` undefined means "everything" (the target had ≤ copyLimit). */
export interface FollowEdge {
  readonly target: Feed;
  readonly cutoff: ActivityKey | undefined;
  /** Position of the FeedFollowed that made the edge (a repeated follow keeps the first). */
  readonly followedAt: string;
}

/** One FeedMarked event as the log recorded it, with its position. */
export interface FeedMark {
  readonly position: string;
  readonly seen?: FeedMarkedData['seen'];
  readonly read?: FeedMarkedData['read'];
}

/** The earlier of two positions (positions sort lexicographically in log order). */
export function earlierPosition(a: string | undefined, b: string): string {
  return a !== undefined && a < b ? a : b;
}

/** The later of two positions. */
export function laterPosition(a: string | undefined, b: string): string {
  return a !== undefined && a > b ? a : b;
}

/** Everything the log says, before any feed is presented. */
export interface LogState {
  /** Every activity ever added, with its latest `extra`, removed ones included. */
  readonly activities: ReadonlyMap<string, StoredActivity>;
  readonly removed: ReadonlySet<string>;
  /** direct(F) as ids, removed ones included (they are filtered when read). */
  readonly direct: ReadonlyMap<Feed, ReadonlySet<string>>;
  /** Current edges by source, then target. */
  readonly edges: ReadonlyMap<Feed, ReadonlyMap<Feed, FollowEdge>>;
  /** Kept history by source: what unfollows with `keepHistory` froze. */
  readonly kept: ReadonlyMap<Feed, ReadonlySet<string>>;
  /** Every feed the log names, so a feed that must be empty is still compared. */
  readonly feeds: ReadonlySet<Feed>;
  /** Activity id → position of the ActivityAdded that first added it. */
  readonly addedAt: ReadonlyMap<string, string>;
  /**
   * Kept history by source, with each id's join position: when it became a member through
   * the edge whose unfollow kept it (the earliest, if kept more than once).
   */
  readonly keptJoins: ReadonlyMap<Feed, ReadonlyMap<string, string>>;
  /**
   * FeedMarked events by the feed they name, in log order. They change no membership; the
   * aggregated model turns them into isSeen/isRead. Marked feeds are not added to `feeds`.
   */
  readonly marks: ReadonlyMap<Feed, readonly FeedMark[]>;
}

function setIn<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  const existing = map.get(key);
  if (existing !== undefined) return existing;
  const created = new Set<V>();
  map.set(key, created);
  return created;
}

function mapIn<K, K2, V>(map: Map<K, Map<K2, V>>, key: K): Map<K2, V> {
  const existing = map.get(key);
  if (existing !== undefined) return existing;
  const created = new Map<K2, V>();
  map.set(key, created);
  return created;
}

/** direct(F) without removed activities, newest first. */
function liveDirect(state: LogState, feed: Feed): StoredActivity[] {
  const live: StoredActivity[] = [];
  for (const id of state.direct.get(feed) ?? []) {
    const activity = state.activities.get(id);
    if (activity !== undefined && !state.removed.has(id)) live.push(activity);
  }
  return live.sort((a, b) => compareKeys(keyOf(b), keyOf(a)));
}

/**
 * "the key of the c-th newest activity of direct(O) at that moment (or everything when O
 * has fewer than c; or after the newest when c is 0)", written as: everything when
 * c ≥ |D|, else strictly above D[c] — the same set, since keys are unique.
 */
function cutoffFor(state: LogState, target: Feed, copyLimit: number): ActivityKey | undefined {
  const after = liveDirect(state, target)[copyLimit];
  return after === undefined ? undefined : keyOf(after);
}

/**
 * What an edge contributes now: direct(target) at or above its cutoff, live only, each id
 * with its join position — the follow's for what the follow copied, the add's for what
 * arrived later (whichever is later).
 */
function contribution(state: LogState, edge: FollowEdge): [id: string, joined: string][] {
  const { cutoff, followedAt } = edge;
  return liveDirect(state, edge.target)
    .filter((activity) => cutoff === undefined || compareKeys(keyOf(activity), cutoff) > 0)
    .map((activity) => [activity.id, laterPosition(state.addedAt.get(activity.id), followedAt)]);
}

function parseEvent(event: LogEvent): TidelineEvent {
  const parsed = tidelineEventSchema.safeParse({ type: event.type, data: event.data });
  if (parsed.success) return parsed.data;
  throw new Error(
    `reference model: event at ${event.position} (${event.streamId}) is not a valid ${event.type}: ${parsed.error.message}`,
  );
}

/**
 * Replays the log in order. Follow cutoffs and kept history depend on direct(target) at
 * the moment of the event, so this is the only place order matters.
 */
export function replayLog(events: readonly LogEvent[]): LogState {
  const activities = new Map<string, StoredActivity>();
  const removed = new Set<string>();
  const direct = new Map<Feed, Set<string>>();
  const edges = new Map<Feed, Map<Feed, FollowEdge>>();
  const kept = new Map<Feed, Set<string>>();
  const feeds = new Set<Feed>();
  const identities = new Map<string, string>();
  const addedAt = new Map<string, string>();
  const keptJoins = new Map<Feed, Map<string, string>>();
  const marks = new Map<Feed, FeedMark[]>();
  const state: LogState = {
    activities,
    removed,
    direct,
    edges,
    kept,
    feeds,
    addedAt,
    keptJoins,
    marks,
  };

  let previous: string | undefined;
  for (const logEvent of events) {
    if (previous !== undefined && !(previous < logEvent.position)) {
      throw new Error(`reference model: position ${logEvent.position} after ${previous}`);
    }
    previous = logEvent.position;
    // Unknown types are someone else's business.
    if (!isTidelineEventType(logEvent.type)) continue;
    const event = parseEvent(logEvent);
    switch (event.type) {
      case 'ActivityAdded': {
        const activity = event.data;
        // Set semantics make a repeated id harmless; the first body wins.
        if (activities.has(activity.id)) break;
        if (activity.foreignId !== undefined) {
          // docs/feeds.md Idempotency: (feed, foreignId, time) adds once, writes nothing after.
          const identity = JSON.stringify([activity.feed, activity.foreignId, activity.time]);
          const original = identities.get(identity);
          if (original !== undefined) {
            throw new Error(
              `reference model: ${activity.id} at ${logEvent.position} repeats ${identity} of ${original}`,
            );
          }
          identities.set(identity, activity.id);
        }
        activities.set(activity.id, activity);
        addedAt.set(activity.id, logEvent.position);
        // Own feeds = the feed it was added to plus its `to` feeds.
        for (const feed of [activity.feed, ...activity.to]) {
          setIn(direct, feed).add(activity.id);
          feeds.add(feed);
        }
        break;
      }
      case 'ActivityUpdated': {
        // Updates change the body only; the event carries the resulting `extra`.
        const activity = activities.get(event.data.id);
        if (activity !== undefined) {
          activities.set(activity.id, { ...activity, extra: event.data.extra });
        }
        break;
      }
      case 'ActivityRemoved':
        // Removed activities are in no feed, kept history included, and never come back.
        removed.add(event.data.id);
        break;
      case 'FeedFollowed': {
        const { source, target, copyLimit } = event.data;
        feeds.add(source).add(target);
        // Following yourself is refused; following twice keeps the first cutoff.
        if (source === target || edges.get(source)?.has(target)) break;
        mapIn(edges, source).set(target, {
          target,
          cutoff: cutoffFor(state, target, copyLimit),
          followedAt: logEvent.position,
        });
        break;
      }
      case 'FeedUnfollowed': {
        const { source, target, keepHistory } = event.data;
        feeds.add(source).add(target);
        const edge = edges.get(source)?.get(target);
        if (edge === undefined) break;
        // keepHistory freezes what the edge contributed at this moment.
        if (keepHistory) {
          const joins = mapIn(keptJoins, source);
          for (const [id, joined] of contribution(state, edge)) {
            setIn(kept, source).add(id);
            joins.set(id, earlierPosition(joins.get(id), joined));
          }
        }
        edges.get(source)?.delete(target);
        break;
      }
      case 'FeedMarked': {
        // Seen/read only: no membership changes, so flat feeds ignore it.
        const { feed, seen, read } = event.data;
        const list = marks.get(feed) ?? [];
        list.push({
          position: logEvent.position,
          ...(seen === undefined ? {} : { seen }),
          ...(read === undefined ? {} : { read }),
        });
        marks.set(feed, list);
        break;
      }
    }
  }
  return state;
}

/**
 * content(F) as an unordered set: (direct(F) ∪ current edges' contributions ∪ kept
 * history) − removed. Flat, aggregated and notification feeds share this; only how the
 * set is presented differs.
 *
 * Fan-out is one level: an edge contributes direct(target), never what the target
 * received from its own follows.
 */
export function feedMembers(state: LogState, feed: Feed): Set<string> {
  return new Set(feedJoins(state, feed).keys());
}

/**
 * content(F) with each member's join position: the position of the event that made it a
 * member — its ActivityAdded when added to F (or a `to` feed F) or delivered by an edge
 * that already existed, the FeedFollowed when a follow copied it — the earliest when it is
 * a member through several sources. Aggregated feeds use it for isSeen/isRead.
 */
export function feedJoins(state: LogState, feed: Feed): Map<string, string> {
  const joins = new Map<string, string>();
  const join = (id: string, joined: string) =>
    joins.set(id, earlierPosition(joins.get(id), joined));
  for (const id of state.direct.get(feed) ?? []) {
    const added = state.addedAt.get(id);
    if (added === undefined) throw new Error(`reference model: unknown activity ${id}`);
    join(id, added);
  }
  for (const edge of state.edges.get(feed)?.values() ?? []) {
    for (const [id, joined] of contribution(state, edge)) join(id, joined);
  }
  for (const [id, joined] of state.keptJoins.get(feed) ?? []) join(id, joined);
  for (const id of joins.keys()) if (state.removed.has(id)) joins.delete(id);
  return joins;
}

/** Presents a flat feed: ids sorted by key, newest first. */
export function orderNewestFirst(
  ids: Iterable<string>,
  activities: ReadonlyMap<string, StoredActivity>,
): string[] {
  const present: StoredActivity[] = [];
  for (const id of ids) {
    const activity = activities.get(id);
    if (activity === undefined) throw new Error(`reference model: unknown activity ${id}`);
    present.push(activity);
  }
  return present.sort((a, b) => compareKeys(keyOf(b), keyOf(a))).map((activity) => activity.id);
}

export interface ReferenceModel {
  /** Every feed the log names → its activity ids, newest first, capped at `timelineMax`. */
  readonly feeds: ReadonlyMap<Feed, readonly string[]>;
  /** Live (not removed) activities with their latest `extra`. */
  readonly activities: ReadonlyMap<string, StoredActivity>;
  readonly removed: ReadonlySet<string>;
}

export interface ReferenceModelOptions {
  /** Keep only the newest this many per feed, as capped timelines do. */
  readonly timelineMax?: number;
}

/**
 * What every feed contains after `events`, as flat feeds.
 *
 * @example
 * const model = buildReferenceModel(await readWholeLog(), { timelineMax: 800 });
 * expect(await readFeed('timeline:ana')).toEqual(expectedFeed(model, 'timeline:ana', 25));
 */
export function buildReferenceModel(
  events: readonly LogEvent[],
  options: ReferenceModelOptions = {},
): ReferenceModel {
  const state = replayLog(events);
  const feeds = new Map<Feed, string[]>();
  for (const feed of state.feeds) {
    const ordered = orderNewestFirst(feedMembers(state, feed), state.activities);
    feeds.set(feed, ordered.slice(0, options.timelineMax ?? ordered.length));
  }
  const activities = new Map([...state.activities].filter(([id]) => !state.removed.has(id)));
  return { feeds, activities, removed: state.removed };
}

/**
 * One feed's expected ids, newest first; a feed the log never named is empty.
 *
 * @example
 * expectedFeed(model, 'timeline:ana', 25); // the first page
 */
export function expectedFeed(model: ReferenceModel, feed: Feed, limit?: number): string[] {
  const ids = model.feeds.get(feed) ?? [];
  return ids.slice(0, limit ?? ids.length);
}
