export { ensureDatabase } from './ensure-database.js';
export { LocalStackError } from './local-stack-error.js';
export { pollUntil } from './poll-until.js';
export { readRedisConf } from './read-redis-conf.js';
export { redactUrl } from './redact-url.js';
export { redisConfigPath } from './redis-config-path.js';
export {
  persistenceWarning,
  type RedisPersistence,
  readRedisPersistence,
} from './redis-persistence.js';
export { missingKeyspaceFlags, type RedisSettingsReport } from './redis-settings.js';
export {
  LOCAL_POSTGRES_URL,
  type ResolvePostgresOptions,
  resolvePostgres,
} from './resolve-postgres.js';
export {
  type ResolvedRedis,
  type ResolveRedisOptions,
  resolveRedis,
} from './resolve-redis.js';
export type { RunningService, ServiceSource } from './running-service.js';
