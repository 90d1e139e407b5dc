import type { TidelineFeedMessage } from '@tideline/client';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useEffect, useRef, useState } from 'react';
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
 * close over fresh state) and returns the connection's state.
 *
 * @example
 * const state = useFeedWatch({ group: 'notification', id: me }, (message) => …);
 */
export function useFeedWatch(
  feed: { group: string; id: string },
  onMessage: (message: LiveMessage) => void,
): LiveState {
  const trpc = useTRPC();
  const latest = useRef(onMessage);
  latest.current = onMessage;
  const subscription = useSubscription(
    trpc.feeds.watch.subscriptionOptions(
      { group: feed.group, id: feed.id },
      { onData: (event) => latest.current(event.data) },
    ),
  );
  // Once live, a later "connecting" is a reconnection (network change, server restart).
  const [wasLive, setWasLive] = useState(false);
  const live = subscription.status === 'pending';
  useEffect(() => {
    if (live) setWasLive(true);
  }, [live]);
  switch (subscription.status) {
    case 'pending':
      return 'live';
    case 'connecting':
      return wasLive ? 'reconnecting' : 'connecting';
    default:
      // `error`: refused for good (e.g. the token was refused); the client retries the rest.
      return 'unavailable';
  }
}
