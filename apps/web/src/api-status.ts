import { useSyncExternalStore } from 'react';
import type { Failure } from './failure';

/**
 * The app's one view of how its calls to the server are going: the latest failure that
 * the user should know about (cleared by the next success), and whether the browser says
 * it is online. Queries and mutations report here from the QueryClient's caches.
 */
export interface ApiStatus {
  failure: Failure | undefined;
  online: boolean;
}

let status: ApiStatus = { failure: undefined, online: navigator.onLine };
const listeners = new Set<() => void>();

function set(next: Partial<ApiStatus>): void {
  status = { ...status, ...next };
  for (const listener of listeners) listener();
}

export function reportFailure(failure: Failure): void {
  set({ failure });
}

export function reportSuccess(): void {
  // A rate limit holds until its time is up, even if a cached answer comes meanwhile.
  if (status.failure !== undefined && status.failure.kind !== 'rate-limited') {
    set({ failure: undefined });
  }
}

export function clearFailure(): void {
  set({ failure: undefined });
}

window.addEventListener('online', () => set({ online: true }));
window.addEventListener('offline', () => set({ online: false }));

export function useApiStatus(): ApiStatus {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => status,
  );
}
