import { fileURLToPath } from 'node:url';

/** The monorepo root, found from this file's location so it holds whatever the cwd. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The Redis configuration the service ships and the fallback redis-server runs with. */
export const redisConfigPath = fileURLToPath(new URL('../../../infra/redis.conf', import.meta.url));
