import { type Feed, findFeedGroup, parseFeed, TidelineError } from '@tideline/domain';
import { isPosition } from '@tideline/event-store';
import {
  createAggregatedReader,
  type FeedMessage,
  type FeedsConfig,
  feedMessages,
  projectedOrForeign,
  readEdgesAtCheckpoint,
  readFeedChanges,
} from '@tideline/feeds';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { FeedBus, FeedListener } from './feed-bus.js';
import { createFollowedFeeds } from './followed-feeds.js';
import { keepWatchedFeedsWarm } from './keep-watched-warm.js';
import { createLiveQueue } from './live-queue.js';

/**
 * What a watcher of a feed receives. `id` is the position of the event behind the
 * message: pass the last one back as `lastEventId` to resume. `feed` is always the watched
 * feed; `via` names the followed feed a timeline's message came through. Notification
 * feeds' adds, removals and marks carry the feed's fresh `unseen`/`unread` counts.
 * `feed.watching` comes first on every connection: from its `id` on, nothing is missed.
 */
export type WatchMessage =
  | (FeedMessage & { via?: Feed; unseen?: number; unread?: number })
  | { id: string; feed: Feed; type: 'feed.watching' };

export interface FeedWatcherDeps {
  bus: FeedBus;
  db: Kysely<unknown>;
  config: FeedsConfig;
  /** Messages held for one subscriber that has not taken them yet, before it is cut off. */
  bufferMax: number;
  /**
   * A command connection: with it, watched feeds whose keys expire or are evicted are
   * rebuilt at once (`keepWatchedFeedsWarm`); without it they go cold like any other.
   */
  redis?: Redis;
  /** Told about each such rebuild (logs, tests). */
  onRegenerated?: (feed: Feed, error?: unknown) => void;
  /**
   * How long a watch resuming after a `lastEventId` the projector has published but not yet
   * committed (its batch is being retried) waits for it before SERVICE_UNAVAILABLE.
   * Default 5000 ms.
   */
  resumeWaitMs?: number;
}

export interface WatchOptions {
  /** The `id` of the last message received; omitted: from now on. */
  lastEventId?: string | null | undefined;
  signal?: AbortSignal | undefined;
}

/** Thrown to a subscriber that fell `bufferMax` messages behind; it resumes from its last id. */
export function slowSubscriberError(bufferMax: number): TidelineError {
  return new TidelineError(
    'SERVICE_UNAVAILABLE',
    `subscriber fell more than ${bufferMax} messages behind; resume with the last id received`,
  );
}

// Every local listener of a channel gets the same string in the same tick: parse it once.
let lastRaw = '';
let lastParsed: FeedMessage | undefined;
function parseMessage(raw: string): FeedMessage | undefined {
  if (raw !== lastRaw) {
    lastRaw = raw;
    try {
      lastParsed = JSON.parse(raw) as FeedMessage;
    } catch {
      lastParsed = undefined;
    }
  }
  return lastParsed;
}

/**
 * Live, resumable feed subscriptions. A watch subscribes first (the feed's channel and,
 * for a feed that follows others, each followed feed's channel), then backfills from
 * PostgreSQL what the projector applied after `lastEventId` — the same messages it
 * published, derived by the same `feedMessages` — and then goes live; Redis messages that
 * arrive meanwhile wait in the subscriber's bounded queue, and anything at or before the
 * last position sent is skipped, so the switch has no gap and no duplicate. A follow or
 * unfollow of the watched feed adds or drops a channel (and backfills the new one from the
 * follow), and after a Redis reconnect the watch backfills what the outage lost.
 *
 * @example
 * const watcher = createFeedWatcher({ bus, db, config, bufferMax: 1000 });
 * for await (const message of watcher.watch('timeline:ana', { lastEventId, signal })) …
 */
export function createFeedWatcher(deps: FeedWatcherDeps) {
  const { bus, db, config } = deps;
  const aggregated = createAggregatedReader({ db, config });
  /** Watchers per feed on this process. */
  const watched = new Map<Feed, number>();
  let warmth: Promise<unknown> | undefined;
  const startWarmth = () => {
    const { redis } = deps;
    if (redis === undefined || warmth !== undefined) return;
    warmth = keepWatchedFeedsWarm({
      bus,
      db,
      redis,
      config,
      isWatched: (feed) => watched.has(feed),
      ...(deps.onRegenerated === undefined ? {} : { onRegenerated: deps.onRegenerated }),
    }).catch(() => {
      warmth = undefined;
    });
  };

  async function withCounts(feed: Feed, message: WatchMessage): Promise<WatchMessage> {
    if (message.type === 'feed.watching' || message.type === 'activity.updated') return message;
    if (message.type === 'feed.followed' || message.type === 'feed.unfollowed') return message;
    const page = await aggregated.readGroups(feed, { limit: 1, minPosition: message.id });
    return { ...message, unseen: page.unseen ?? 0, unread: page.unread ?? 0 };
  }

  /**
   * Where a watch starts — after the given id, or where the projector stands — and the
   * watched feed's edges at that point or later (then the follows and unfollows between are
   * in the backfill). The edges are read with the checkpoint, not before it: a client may
   * have been sent a message of a batch that had not committed yet (the projector publishes
   * before it commits), and a follow in that batch must be among them. An id the log has
   * but the projector has not applied (its batch was rolled back and is being retried) is
   * waited for; an id foreign to the log starts from where the projector stands.
   */
  async function start(feed: Feed, lastEventId: string | null | undefined) {
    const given = lastEventId != null && isPosition(lastEventId) ? lastEventId : undefined;
    const at = await readEdgesAtCheckpoint(db, feed);
    if (given === undefined || given <= at.upTo) return { from: given ?? at.upTo, edges: at.edges };
    const reached = await projectedOrForeign(db, given, deps.resumeWaitMs ?? 5000, 'lastEventId');
    if (reached === 'foreign') return { from: at.upTo, edges: at.edges };
    return { from: given, edges: (await readEdgesAtCheckpoint(db, feed)).edges };
  }

  async function* watch(feed: Feed, options: WatchOptions = {}): AsyncGenerator<WatchMessage> {
    const { signal } = options;
    const kind = findFeedGroup(config.groups, parseFeed(feed).group)?.kind ?? 'flat';
    const queue = createLiveQueue<FeedMessage>(deps.bufferMax);
    const listener: FeedListener = (_channel, raw) => {
      const message = parseMessage(raw);
      if (message !== undefined) queue.push(message);
    };
    const followed = createFollowedFeeds(feed, bus, listener);
    let stopOwn: (() => Promise<void>) | undefined;
    let catchUpNeeded = false;
    const offResubscribed = bus.onResubscribed(() => {
      catchUpNeeded = true;
      queue.notify();
    });

    /**
     * Backfill after `after`, a page of at most `bufferMax` log events (more pages follow
     * as the watch gets through them).
     */
    const catchUp = async (after: string) => {
      const ranges = followed.ranges(after);
      const { upTo, changes, complete } = await readFeedChanges(db, ranges, {
        maxEvents: deps.bufferMax,
      });
      const wanted = new Map(ranges.map((r) => [r.feed, r.after]));
      const messages = feedMessages(changes).filter((m) => {
        const since = wanted.get(m.feed);
        return since !== undefined && m.id > since;
      });
      return { upTo, messages, complete };
    };

    watched.set(feed, (watched.get(feed) ?? 0) + 1);
    startWarmth();
    try {
      stopOwn = await bus.subscribe(feed, listener);
      const { from, edges } = await start(feed, options.lastEventId);
      await Promise.all(edges.map((edge) => followed.follow(edge.target, edge.followedPosition)));
      // Today's edges, as they were at `from`: the follows and unfollows since.
      const edgeChanges = await readFeedChanges(db, [{ feed, after: from }], {
        eventTypes: ['FeedFollowed', 'FeedUnfollowed'],
      });
      followed.countUnfollowedFrom(from, feedMessages(edgeChanges.changes));
      const first = await catchUp(from);
      let last = from;
      let pending = first.messages;
      /** How far the backfill has read, and whether it has reached the projector. */
      let backfilled = first.upTo;
      let complete = first.complete;
      yield { id: last, feed, type: 'feed.watching' };

      while (!signal?.aborted) {
        // Live messages may have been dropped: once the backfill is through, resume anew.
        if (queue.overflowed && complete && pending.length === 0) {
          throw slowSubscriberError(deps.bufferMax);
        }
        if (catchUpNeeded || (!complete && pending.length === 0)) {
          // A reconnect or a new follow reads again from the last message sent (the new
          // feed's channel missed what came before it); a next page, from where the
          // previous one stopped.
          const from = catchUpNeeded || backfilled < last ? last : backfilled;
          catchUpNeeded = false;
          const next = await catchUp(from);
          pending = next.messages;
          backfilled = next.upTo;
          complete = next.complete;
        }
        const message = pending.shift() ?? queue.take();
        if (message === undefined) {
          await queue.next(signal);
          continue;
        }
        if (message.id <= last || !followed.relevant(message)) continue;
        if (message.feed === feed && message.type === 'feed.followed') {
          await followed.follow(message.target, message.id);
          // Whatever the new feed published before its channel was confirmed.
          catchUpNeeded = true;
        } else if (message.feed === feed && message.type === 'feed.unfollowed') {
          await followed.unfollow(message.target);
        }
        last = message.id;
        const out: WatchMessage =
          message.feed === feed ? message : { ...message, feed, via: message.feed };
        yield kind === 'notification' ? await withCounts(feed, out) : out;
      }
    } finally {
      const count = (watched.get(feed) ?? 1) - 1;
      if (count === 0) watched.delete(feed);
      else watched.set(feed, count);
      offResubscribed();
      await Promise.allSettled([stopOwn?.(), followed.stopAll()]);
    }
  }

  return { watch };
}

export type FeedWatcher = ReturnType<typeof createFeedWatcher>;
