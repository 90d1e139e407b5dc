import type { Feed } from '@tideline/domain';
import { feedChannel } from '@tideline/feeds';
import type { Redis } from 'ioredis';

/** What a listener receives: the channel's feed and the raw message text. */
export type FeedListener = (feed: Feed, message: string) => void;

export interface FeedBus {
  /**
   * Listens to `feed`'s channel. Resolves once Redis has confirmed the subscription, so a
   * caller that backfills after this cannot miss a message published after its backfill.
   * Returns the function that stops listening.
   */
  subscribe(feed: Feed, listener: FeedListener): Promise<() => Promise<void>>;
  /**
   * Called each time the subscriber connection is back after a loss, once Redis has
   * confirmed every channel again: messages published meanwhile are gone, so listeners
   * must catch up from the source of truth. Feed messages that arrive between the loss and
   * this call are dropped too: they came after the gap, and a listener that took one first
   * would move past what the gap lost; the catch-up that follows covers them.
   */
  onResubscribed(listener: () => void): () => void;
  /**
   * Listens to Redis keyevent notifications of `events` (e.g. `expired`, `evicted`;
   * `notify-keyspace-events` must enable them, as infra/redis.conf does) on the same
   * connection; the listener gets the event and the key. Returns the function that stops.
   */
  onKeyEvent(
    events: readonly string[],
    listener: (event: string, key: string) => void,
  ): Promise<() => Promise<void>>;
  /** Local listeners and Redis channels, for metrics and tests. */
  stats(): { listeners: number; channels: number };
  close(): Promise<void>;
}

/**
 * A process's one Redis subscriber connection, shared by every local listener: one Redis
 * subscription per channel, however many listeners it has, taken with the first and
 * dropped with the last. ioredis re-sends the subscriptions after a reconnect; then
 * `onResubscribed` listeners are told, so they can backfill what the gap lost.
 *
 * @example
 * const bus = createFeedBus(new Redis(url), 'tl:');
 * const stop = await bus.subscribe('timeline:ana', (feed, message) => …);
 */
export function createFeedBus(subscriber: Redis, prefix: string): FeedBus {
  const listeners = new Map<string, Set<FeedListener>>();
  /** Per channel, the tail of its SUBSCRIBE/UNSUBSCRIBE chain: commands never interleave. */
  const pending = new Map<string, Promise<unknown>>();
  const resubscribed = new Set<() => void>();
  let lost = false;

  const inOrder = (channel: string, step: () => Promise<unknown>): Promise<unknown> => {
    const next = (pending.get(channel) ?? Promise.resolve()).then(step, step);
    pending.set(channel, next);
    const settle = () => {
      if (pending.get(channel) === next) pending.delete(channel);
    };
    next.then(settle, settle);
    return next;
  };

  const keyEventPrefix = `__keyevent@${subscriber.options.db ?? 0}__:`;
  const keyListeners = new Set<(event: string, key: string) => void>();
  subscriber.on('message', (channel: string, message: string) => {
    if (channel.startsWith(keyEventPrefix)) {
      const event = channel.slice(keyEventPrefix.length);
      for (const listener of keyListeners) listener(event, message);
      return;
    }
    if (lost) return;
    const set = listeners.get(channel);
    if (set === undefined) return;
    const feed = channel.slice(feedChannel(prefix, '').length);
    for (const listener of set) listener(feed, message);
  });
  subscriber.on('close', () => {
    lost = true;
  });
  subscriber.on('ready', () => {
    if (!lost) return;
    // ioredis re-sends SUBSCRIBE for every channel before 'ready'; PING waits for the acks.
    void subscriber
      .ping()
      .then(() => {
        if (!lost) return;
        lost = false;
        for (const listener of resubscribed) listener();
      })
      .catch(() => undefined);
  });

  return {
    async subscribe(feed, listener) {
      const channel = feedChannel(prefix, feed);
      let set = listeners.get(channel);
      const first = set === undefined;
      if (set === undefined) {
        set = new Set();
        listeners.set(channel, set);
      }
      set.add(listener);
      // Later listeners wait for the first one's SUBSCRIBE to be confirmed too.
      try {
        await inOrder(channel, () => (first ? subscriber.subscribe(channel) : Promise.resolve()));
      } catch (error) {
        // Not subscribed: forget the listener, and the channel if it was the only one.
        set.delete(listener);
        if (set.size === 0 && listeners.get(channel) === set) listeners.delete(channel);
        throw error;
      }
      let stopped = false;
      return async () => {
        if (stopped) return;
        stopped = true;
        const current = listeners.get(channel);
        current?.delete(listener);
        if (current?.size === 0) {
          listeners.delete(channel);
          await inOrder(channel, async () => {
            // Someone may have subscribed again while this waited its turn.
            if (!listeners.has(channel)) await subscriber.unsubscribe(channel);
          });
        }
      };
    },
    async onKeyEvent(events, listener) {
      const channels = events.map((event) => `${keyEventPrefix}${event}`);
      keyListeners.add(listener);
      await subscriber.subscribe(...channels);
      return async () => {
        keyListeners.delete(listener);
        if (keyListeners.size === 0) await subscriber.unsubscribe(...channels);
      };
    },
    onResubscribed(listener) {
      resubscribed.add(listener);
      return () => resubscribed.delete(listener);
    },
    stats() {
      let count = 0;
      for (const set of listeners.values()) count += set.size;
      return { listeners: count, channels: listeners.size };
    },
    async close() {
      listeners.clear();
      keyListeners.clear();
      resubscribed.clear();
      subscriber.disconnect();
    },
  };
}
