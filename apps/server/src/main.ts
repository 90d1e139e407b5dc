import { once } from 'node:events';
import { createDatabase, type EventStoreTables } from '@tideline/event-store';
import { Redis } from 'ioredis';
import { createApp } from './app.js';
import { closeHttpServer } from './close-http-server.js';
import { loadEnv } from './env.js';
import { createLogger } from './logger.js';

const DRAIN_TIMEOUT_MS = 8_000;

const env = loadEnv();
const logger = createLogger(env.LOG_LEVEL);
const db = createDatabase<EventStoreTables>({
  connectionString: env.DATABASE_URL,
  applicationName: 'tideline-server',
});
const redis = new Redis(env.REDIS_URL, {
  connectionName: 'tideline-server',
  maxRetriesPerRequest: 3,
});
redis.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));

const server = createApp({ db, redis, logger }).listen(env.PORT);
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
  await closeHttpServer(server, DRAIN_TIMEOUT_MS).catch((error: unknown) =>
    logger.error({ err: error }, 'closing the HTTP server failed'),
  );
  await Promise.allSettled([db.destroy(), closeRedis()]);
  logger.info('server stopped');
  process.exit(0);
}

process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
// Started by the launcher with an IPC channel: its closing means the launcher is gone.
process.on('disconnect', () => void shutdown('launcher exited'));

/** QUIT lets pending replies arrive; a client that is not connected would wait for a reconnect. */
async function closeRedis(): Promise<void> {
  if (redis.status === 'ready') await redis.quit();
  else redis.disconnect();
}
