import { fileURLToPath } from 'node:url';

/**
 * The Redis configuration the service ships (`infra/redis.conf`): the fallback
 * redis-server runs it as is, and the checks compare a running Redis with it.
 */
export const redisConfigPath = fileURLToPath(new URL('../../../infra/redis.conf', import.meta.url));
