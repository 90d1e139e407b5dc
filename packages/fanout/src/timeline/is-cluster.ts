import type { Redis } from 'ioredis';

/**
 * Whether a client talks to a Redis Cluster, where one command or script may only touch
 * keys of one slot; batch operations that span feeds take a per-key path there.
 */
export function isCluster(redis: Redis): boolean {
  return (redis as { isCluster?: boolean }).isCluster === true;
}
