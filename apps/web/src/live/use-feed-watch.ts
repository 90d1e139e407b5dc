/**
 * The app's one door to live updates: every live feature (the timeline's "N new posts"
 * banner, the bell's count) goes through `useFeedWatch`, so the transport behind it is
 * wired in this file only.
 */

/** How the live connection is doing, for the status banner. */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'unavailable';

/** A feed change as the server's `feeds.watch` subscription sends it. */
export type LiveMessage =
  | {
      type: 'activity.added' | 'activity.updated';
      id: string;
      activity: { id: string; actor: string };
    }
  | { type: 'activity.removed'; id: string; activityId: string }
  | { type: 'feed.marked'; id: string; unseen?: number; unread?: number }
  | { type: string; id: string; unseen?: number; unread?: number };

/**
 * Calls `onMessage` with each live change of `feed` and returns the connection's state.
 * Live updates need the server's `feeds.watch` subscription; until the client has it this
 * returns `unavailable` and the app refreshes on its own actions only.
 */
export function useFeedWatch(
  _feed: { group: string; id: string },
  _onMessage: (message: LiveMessage) => void,
): LiveState {
  return 'unavailable';
}
