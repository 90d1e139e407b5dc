import type { Feed } from '@tideline/domain';
import type { FeedMessage, FeedSince } from '@tideline/feeds';
import type { FeedBus, FeedListener } from './feed-bus.js';

interface Edge {
  /** Messages of the followed feed count after this position. */
  since: string;
  /** Stops listening to its channel; absent while it only counts for a backfill. */
  stop?: () => Promise<void>;
}

/**
 * The feeds one watched feed follows, as its watch sees them: each one's channel on the
 * bus, and the position from which its messages count. A timeline's messages are its own
 * and its followed feeds' activities; follow and unfollow messages change the set as the
 * watch reaches them, so a replayed stretch sees the edges as they were at each position.
 *
 * @example
 * const followed = createFollowedFeeds('timeline:ana', bus, listener);
 * await followed.follow('user:bob', edge.followedPosition);
 */
export function createFollowedFeeds(feed: Feed, bus: FeedBus, listener: FeedListener) {
  const edges = new Map<Feed, Edge>();
  return {
    /**
     * Listens to `target` from `since` on. An edge known already counts from the earlier of
     * the two: a watch that starts from today's edges meets the follow that preceded an
     * unfollow and a follow again, and the edge counted from that first follow.
     */
    async follow(target: Feed, since: string): Promise<void> {
      if (target === feed) return;
      const known = edges.get(target);
      if (known !== undefined) {
        if (known.since > since) known.since = since;
        return;
      }
      const edge: Edge = { since };
      edges.set(target, edge);
      const stop = await bus.subscribe(target, listener);
      if (edges.get(target) === edge) edge.stop = stop;
      else await stop();
    },

    async unfollow(target: Feed): Promise<void> {
      const edge = edges.get(target);
      edges.delete(target);
      await edge?.stop?.();
    },

    /** The feed's own messages, and followed feeds' activities since each follow. */
    relevant(message: FeedMessage): boolean {
      if (message.feed === feed) return true;
      const edge = edges.get(message.feed);
      return edge !== undefined && message.type.startsWith('activity.') && message.id > edge.since;
    },

    /** What to backfill after `after`: the feed, and each followed feed since its follow. */
    ranges(after: string): FeedSince[] {
      const ranges: FeedSince[] = [{ feed, after }];
      for (const [target, { since }] of edges) {
        ranges.push({ feed: target, after: since > after ? since : after });
      }
      return ranges;
    },

    /**
     * The edges read when a watch starts are today's; a feed unfollowed since `after` was
     * still followed then, and what it published before the unfollow belongs in the
     * backfill. Makes such feeds count from `after` (the unfollow message, when the watch
     * reaches it, drops them again; a later follow message takes them back). `changes`:
     * the watched feed's follow and unfollow messages after `after`. Says whether any
     * edge changed.
     */
    countUnfollowedFrom(after: string, changes: readonly FeedMessage[]): boolean {
      const followedSince = new Set<Feed>();
      let changed = false;
      for (const m of changes) {
        if (m.feed !== feed) continue;
        if (m.type === 'feed.followed') followedSince.add(m.target);
        if (m.type !== 'feed.unfollowed' || followedSince.has(m.target)) continue;
        const edge = edges.get(m.target);
        if (edge === undefined) edges.set(m.target, { since: after });
        else if (edge.since > after) edge.since = after;
        else continue;
        changed = true;
      }
      return changed;
    },

    async stopAll(): Promise<void> {
      const stops = [...edges.values()].flatMap((edge) => (edge.stop ? [edge.stop] : []));
      edges.clear();
      await Promise.allSettled(stops.map((stop) => stop()));
    },
  };
}
