import { once } from 'node:events';
import { createApiDeps } from '@tideline/api';
import { createDatabase, type EventStoreTables } from '@tideline/event-store';
import { feedsConfigFromEnv } from '@tideline/feeds';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import { closeHttpServer } from './close-http-server.js';
import type { ServerEnv } from './env.js';
import { createHttpServer } from './http-server.js';
import { createMetrics } from './metrics.js';
import { createServerRedis } from './redis-client.js';
import { defaultWebAppDir } from './web-app.js';
import { attachWebSockets } from './websocket.js';

const DRAIN_TIMEOUT_MS = 8_000;

/**
 * One server process: the HTTP and WebSocket API on `PORT` until SIGTERM/SIGINT, or until
 * the process that started it (the launcher, or the cluster primary) goes away; then it
 * drains in-flight requests and exits.
 */
export async function serve(env: ServerEnv, logger: Logger): Promise<void> {
  const db = createDatabase<EventStoreTables>({
    connectionString: env.DATABASE_URL,
    applicationName: 'tideline-server',
    connectionTimeoutMillis: 2_000,
  });
  const redis = createServerRedis(env.REDIS_URL, logger);
  await once(redis, 'ready').catch(() => undefined);

  const config = feedsConfigFromEnv(env);
  const feedsDb = db as unknown as Kysely<unknown>;
  const api = createApiDeps({
    db: feedsDb,
    redis,
    config,
    auth: { apiKeys: env.API_KEYS, jwtSecret: env.JWT_SECRET },
    rateLimits: {
      userPerMinute: env.RATE_LIMIT_USER_PER_MINUTE,
      serverPerMinute: env.RATE_LIMIT_SERVER_PER_MINUTE,
      authFailuresPerMinute: env.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE,
    },
    watchBufferMax: env.WATCH_BUFFER_MAX,
  });
  if (env.API_KEYS.length === 0 && env.JWT_SECRET === undefined) {
    logger.warn('no API_KEYS and no JWT_SECRET: every API request will be refused with 401');
  }
  if (env.DEMO && env.JWT_SECRET === undefined) {
    logger.fatal('DEMO=1 needs JWT_SECRET to sign demo tokens (pnpm start creates one)');
    process.exit(1);
  }
  if (env.DEMO) logger.warn('DEMO=1: /demo/token mints user tokens for the demo users');
  const metrics = createMetrics({ db: feedsDb, redis, config, watchStats: api.watchStats });
  const app = createApp({
    db,
    redis,
    logger,
    api,
    metrics,
    corsOrigins: env.CORS_ORIGINS,
    keepAliveSeconds: env.WATCH_KEEPALIVE_SECONDS,
    webAppDir: env.WEB_APP_DIR ?? defaultWebAppDir,
    demo: env.DEMO && env.JWT_SECRET !== undefined ? { jwtSecret: env.JWT_SECRET } : undefined,
  });
  const server = createHttpServer(app).listen(env.PORT);
  const closeWebSockets = attachWebSockets(server, api, logger);
  server.on('error', (error) => {
    logger.fatal({ err: error, port: env.PORT }, 'cannot listen');
    process.exit(1);
  });
  await once(server, 'listening');
  logger.info({ port: env.PORT }, 'server listening');

  let stopping = false;
  async function shutdown(reason: string): Promise<void> {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'shutting down');
    await Promise.all([closeHttpServer(server, DRAIN_TIMEOUT_MS), closeWebSockets()]).catch(
      (error: unknown) => logger.error({ err: error }, 'closing the HTTP server failed'),
    );
    await Promise.allSettled([metrics.close(), api.close(), db.destroy(), closeRedis()]);
    logger.info('server stopped');
    process.exit(0);
  }

  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // Started with an IPC channel (by the launcher or the cluster primary): its closing means
  // the parent is gone.
  process.on('disconnect', () => void shutdown('parent exited'));

  /** QUIT lets pending replies arrive; a client that is not connected would wait for a reconnect. */
  async function closeRedis(): Promise<void> {
    if (redis.status === 'ready') await redis.quit();
    else redis.disconnect();
  }
}
