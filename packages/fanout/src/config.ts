/** How feeds behave; the apps fill it from their validated environment. */
export interface FeedsConfig {
  /** Authors with at most this many followers fan out on write (SPEC §3). */
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

export const defaultFeedsConfig: FeedsConfig = {
  fanoutThreshold: 10_000,
  fanoutActiveDays: 7,
  timelineMax: 800,
  redisPrefix: 'tl:',
  fanoutBatchSize: 500,
};
