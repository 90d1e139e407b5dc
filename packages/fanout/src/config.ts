/** How fan-out behaves; a part of the feeds configuration the apps fill from their env. */
export interface FanoutConfig {
  /** Authors with at most this many followers fan out on write (docs/product.md §3). */
  fanoutThreshold: number;
  /** Timelines unread for this many days are skipped by fan-out and expire. */
  fanoutActiveDays: number;
  /** Entries kept per Redis sorted set. */
  timelineMax: number;
  /** Prefix of every Redis key, e.g. `tl:` (tests use one per file). */
  redisPrefix: string;
  /** Followers per fan-out job. */
  fanoutBatchSize: number;
}

export const defaultFanoutConfig: FanoutConfig = {
  fanoutThreshold: 10_000,
  fanoutActiveDays: 7,
  timelineMax: 800,
  redisPrefix: 'tl:',
  fanoutBatchSize: 500,
};

/** Whether `followers` makes an author fan out on read rather than on write. */
export function fanoutMode(followers: number, config: Pick<FanoutConfig, 'fanoutThreshold'>) {
  return followers > config.fanoutThreshold ? ('read' as const) : ('write' as const);
}
