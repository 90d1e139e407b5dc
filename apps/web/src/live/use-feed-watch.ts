import type { TidelineFeedMessage } from '@tideline/client';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useRef, useState } from 'react';
import { useTRPC } from '../trpc';

/**
 * The app's one door to live updates: every live feature (the timeline's "N new posts"
 * banner, the bell's count) goes through `useFeedWatch`, so the transport is wired in this
 * file only. It is the server's `feeds.watch` subscription through `@tideline/client`:
 * Server-Sent Events, the token in the connection parameters (a browser's EventSource
 * sends no headers), resumed after a drop from the last event id, so nothing is missed.
 */

/** How the live connection is doing, for the status banner. */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'unavailable';

export type LiveMessage = TidelineFeedMessage;

/**
 * Calls `onMessage` with each live change of `feed` (the latest `onMessage`, so it may
 * close over fresh state) and returns the connection's state. `onWatching` is called on
 * the first connection's `feed.watching`: from there on nothing is missed, so a list read
 * before it should be read again (what happened between that read and the watch start
 * would be in neither). Reconnections resume from the last id and need no such read.
 *
 * @example
 * const state = useFeedWatch({ group: 'notification', id: me }, (message) => …, refetch);
 */
export function useFeedWatch(
  feed: { group: string; id: string },
  onMessage: (message: LiveMessage) => void,
  onWatching?: () => void,
): LiveState {
  const trpc = useTRPC();
  const latest = useRef({ onMessage, onWatching });
  latest.current = { onMessage, onWatching };
  const [watching, setWatching] = useState(false);
  const started = useRef(false);
  const subscription = useSubscription(
    trpc.feeds.watch.subscriptionOptions(
      { group: feed.group, id: feed.id },
      {
        onData: ({ data }) => {
          if (data.type === 'feed.watching') {
            setWatching(true);
            if (!started.current) latest.current.onWatching?.();
            started.current = true;
            return;
          }
          latest.current.onMessage(data);
        },
        onConnectionStateChange: (state) => {
          if (state.state !== 'pending') setWatching(false);
        },
      },
    ),
  );
  switch (subscription.status) {
    case 'pending':
      // Connected; live once the server says from where (`feed.watching`).
      return watching ? 'live' : started.current ? 'reconnecting' : 'connecting';
    case 'connecting':
      return started.current ? 'reconnecting' : 'connecting';
    default:
      // `error`: refused for good (e.g. the token was refused); the client retries the rest.
      return 'unavailable';
  }
}
