import type { Projection } from '@tideline/event-store';
import type { FanoutQueue } from '@tideline/fanout';
import { type FeedsConfig, feedProjector, type StaleRedisReport } from '@tideline/feeds';
import type { Redis } from 'ioredis';

/** The read models the worker keeps, each run as one event-store consumer. */
export function projections(deps: {
  redis: Redis;
  queue: FanoutQueue;
  config: FeedsConfig;
  onStaleRedis?: (report: StaleRedisReport) => void;
}): Projection<unknown>[] {
  return [feedProjector(deps)];
}
