import { createDatabase } from '@tideline/event-store';
import { createFanoutQueue, createFanoutWorker } from '@tideline/fanout';
import { feedsConfigFromEnv, type StaleRedisReport, watchRedisFreshness } from '@tideline/feeds';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { pino } from 'pino';
import { loadEnv } from './env.js';
import { logStaleRedis } from './log-stale-redis.js';
import { projections } from './projections.js';
import { refreshViewsPeriodically } from './refresh-views.js';
import { runWorker } from './run-worker.js';

const env = loadEnv();
const logger = pino({
  name: 'worker',
  level: env.LOG_LEVEL,
  base: { pid: process.pid, workerId: env.WORKER_ID },
});
const applicationName = `tideline-worker${env.WORKER_ID ? `-${env.WORKER_ID}` : ''}`;
const db = createDatabase<unknown>({
  connectionString: env.DATABASE_URL,
  applicationName,
});
const redis = new Redis(env.REDIS_URL, {
  connectionName: applicationName,
  maxRetriesPerRequest: 3,
});
redis.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
// BullMQ blocks on its own connection and wants commands to wait out reconnects.
const queueConnection = new Redis(env.REDIS_URL, {
  connectionName: `${applicationName}-queue`,
  maxRetriesPerRequest: null,
});
queueConnection.on('error', (error) => logger.warn({ err: error }, 'redis queue connection error'));
const config = feedsConfigFromEnv(env);
const queue = createFanoutQueue({ connection: queueConnection, config });

const controller = new AbortController();
const stop = (reason: string) => {
  if (controller.signal.aborted) return;
  logger.info({ reason }, 'shutting down');
  controller.abort();
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
// Started by the launcher with an IPC channel: its closing means the launcher is gone.
process.on('disconnect', () => stop('launcher exited'));

let exitCode = 0;
try {
  // Fail at start, not at the first event, when a backing service is missing.
  await Promise.all([sql`select 1`.execute(db), redis.ping()]);
  const fanout = createFanoutWorker({
    connection: queueConnection,
    redis,
    config,
    concurrency: env.FANOUT_CONCURRENCY,
  });
  fanout.on('failed', (job, error) =>
    logger.warn({ err: error, jobId: job?.id, attempts: job?.attemptsMade }, 'fan-out job failed'),
  );
  fanout.on('error', (error) => logger.warn({ err: error }, 'fan-out worker error'));
  // A Redis older than the log (restored from a snapshot, say) is dropped within moments
  // of the reconnect, not left serving stale feeds until the next event (docs/feeds.md).
  const onStaleRedis = (report: StaleRedisReport) => logStaleRedis(logger, report);
  const freshness = watchRedisFreshness({
    db,
    redis,
    config,
    onStale: onStaleRedis,
    onError: (error) => logger.debug({ err: error }, 'redis freshness check failed'),
  });
  const refreshing = refreshViewsPeriodically({
    db,
    config,
    intervalSeconds: env.MATERIALIZED_VIEW_REFRESH_SECONDS,
    logger,
    signal: controller.signal,
  });
  try {
    await runWorker({
      db,
      connectionString: env.DATABASE_URL,
      leaseTtlMs: env.PROJECTOR_LEASE_SECONDS * 1000,
      projections: projections({ redis, queue, config, onStaleRedis }),
      logger,
      signal: controller.signal,
    });
  } finally {
    controller.abort();
    await freshness.stop();
    await refreshing;
    await fanout.close();
  }
} catch (error) {
  logger.fatal({ err: error }, 'worker failed');
  exitCode = 1;
} finally {
  await queue.close().catch(() => {});
  await Promise.allSettled([db.destroy(), closeRedis(), queueConnection.quit()]);
}
logger.info('worker stopped');
process.exit(exitCode);

/** QUIT lets pending replies arrive; a client that is not connected would wait for a reconnect. */
async function closeRedis(): Promise<void> {
  if (redis.status === 'ready') await redis.quit();
  else redis.disconnect();
}
