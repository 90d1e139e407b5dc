import path from 'node:path';
import {
  type ResolvedRedis,
  type RunningService,
  redisConfigPath,
  resolvePostgres,
  resolveRedis,
} from '@tideline/local-stack';
import type { Logger } from 'pino';
import type { LauncherEnv } from './env.js';

export interface LocalStack {
  postgres: RunningService;
  redis: ResolvedRedis;
  /** Stops whatever was started, Redis first (it holds nothing that must be flushed). */
  stop(): Promise<void>;
}

/**
 * Resolves PostgreSQL and Redis from the launcher's configuration. When the second fails,
 * the first is stopped again before the error propagates.
 */
export async function resolveLocalStack(env: LauncherEnv, logger: Logger): Promise<LocalStack> {
  const postgres = await resolvePostgres({
    databaseUrl: env.DATABASE_URL,
    embeddedDataDir: path.join(env.TIDELINE_DATA_DIR, 'postgres'),
    embeddedPort: env.EMBEDDED_POSTGRES_PORT,
    logger: logger.child({ component: 'postgres' }),
  });
  try {
    const redis = await resolveRedis({
      redisUrl: env.REDIS_URL,
      fallbackPort: env.REDIS_FALLBACK_PORT,
      dataDir: path.join(env.TIDELINE_DATA_DIR, 'redis'),
      configPath: redisConfigPath,
      logger: logger.child({ component: 'redis' }),
    });
    return {
      postgres,
      redis,
      stop: async () => {
        await redis.stop();
        await postgres.stop();
      },
    };
  } catch (error) {
    await postgres.stop();
    throw error;
  }
}
