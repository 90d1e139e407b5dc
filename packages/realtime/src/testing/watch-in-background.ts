import type { FeedWatcher, WatchMessage } from '../feed-watcher.js';

/**
 * Runs a watch in the background, collecting what it yields until it is stopped or fails.
 *
 * @example
 * const watch = watchInBackground(watcher, 'timeline:ana', lastId);
 * await waitFor(() => watch.changes().length === 2, { message: 'the backfill' });
 */
export function watchInBackground(watcher: FeedWatcher, feed: string, lastEventId?: string) {
  const controller = new AbortController();
  const got: WatchMessage[] = [];
  let failure: unknown;
  const done = (async () => {
    for await (const message of watcher.watch(feed, { lastEventId, signal: controller.signal })) {
      got.push(message);
    }
  })().catch((error: unknown) => {
    failure = error;
  });
  return {
    controller,
    got,
    /** Settles when the watch has ended (stopped, or failed: see `failure`). */
    done,
    failure: () => failure,
    /** Messages other than the opening `feed.watching`. */
    changes: () => got.filter((m) => m.type !== 'feed.watching'),
    async stop() {
      controller.abort();
      await done;
    },
  };
}
