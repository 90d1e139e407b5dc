import { useEffect, useState } from 'react';
import { clearFailure, useApiStatus } from './api-status';
import type { LiveState } from './live/use-feed-watch';

/**
 * One line about anything the user should know: offline, live updates reconnecting, the
 * session refused (401), too many requests (429, counting down), the service down.
 */
export function StatusBanner(props: { live: LiveState; onSignOut: () => void }) {
  const { failure, online } = useApiStatus();
  const seconds = useCountdown(
    failure?.kind === 'rate-limited' ? failure.retryAfterSeconds : undefined,
  );
  useEffect(() => {
    if (failure?.kind === 'rate-limited' && seconds === 0) clearFailure();
  }, [failure, seconds]);

  if (failure?.kind === 'unauthenticated') {
    return (
      <div role="alert" className="banner banner-error">
        <span>Your session was refused (401): {failure.message}.</span>
        <button type="button" onClick={props.onSignOut}>
          Sign in again
        </button>
      </div>
    );
  }
  if (failure?.kind === 'rate-limited') {
    return (
      <div role="alert" className="banner banner-warning">
        Too many requests (429). Wait {seconds ?? failure.retryAfterSeconds} s before trying again.
      </div>
    );
  }
  if (!online || failure?.kind === 'offline') {
    return (
      <div role="status" className="banner banner-warning">
        You are offline. Reconnecting… what you see may be out of date.
      </div>
    );
  }
  if (props.live === 'reconnecting') {
    return (
      <div role="status" className="banner banner-warning">
        Live updates reconnecting…
      </div>
    );
  }
  if (failure?.kind === 'unavailable' || failure?.kind === 'other') {
    return (
      <div role="alert" className="banner banner-error">
        <span>{failure.message}</span>
        <button type="button" onClick={clearFailure}>
          Dismiss
        </button>
      </div>
    );
  }
  return <div role="status" className="sr-only" />;
}

/** Seconds left of `total`, counting down once a second; undefined without a total. */
function useCountdown(total: number | undefined): number | undefined {
  const [left, setLeft] = useState(total);
  useEffect(() => {
    setLeft(total);
    if (total === undefined) return;
    const started = Date.now();
    const timer = setInterval(() => {
      setLeft(Math.max(0, total - Math.floor((Date.now() - started) / 1000)));
    }, 1000);
    return () => clearInterval(timer);
  }, [total]);
  return left;
}
