export { InvalidEnvError, type LauncherEnv, loadEnv } from './env.js';
export { ensureDatabase } from './local-stack/ensure-database.js';
export { LocalStackError } from './local-stack/local-stack-error.js';
export { readRedisConf } from './local-stack/read-redis-conf.js';
export {
  persistenceWarning,
  type RedisPersistence,
  readRedisPersistence,
} from './local-stack/redis-persistence.js';
export {
  ensureRedisSettings,
  missingKeyspaceFlags,
  REQUIRED_KEYSPACE_EVENTS,
  type RedisSettingsReport,
} from './local-stack/redis-settings.js';
export { type LocalStack, resolveLocalStack } from './local-stack/resolve-local-stack.js';
export {
  LOCAL_POSTGRES_URL,
  type ResolvePostgresOptions,
  resolvePostgres,
} from './local-stack/resolve-postgres.js';
export {
  LOCAL_REDIS_URL,
  type ResolvedRedis,
  type ResolveRedisOptions,
  resolveRedis,
} from './local-stack/resolve-redis.js';
export type { RunningService, ServiceSource } from './local-stack/running-service.js';
