/**
 * Where a backing service came from: `configured` (its URL was given), `local` (found on
 * its standard port), `reused` (found on the fallback port, left by an earlier run) or
 * `started` (this process started it and stops it).
 */
export type ServiceSource = 'configured' | 'local' | 'reused' | 'started';

export interface RunningService {
  url: string;
  source: ServiceSource;
  /** Stops the service if this process started it; otherwise does nothing. */
  stop(): Promise<void>;
}

export const notStartedByUs = async (): Promise<void> => {};
