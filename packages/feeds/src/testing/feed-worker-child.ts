// A worker process for crash tests: runs the feed projector and a fan-out worker, like
// apps/worker. argv: database url, redis url, JSON of the FeedsConfig.
import { createConsumer, createDatabase } from '@tideline/event-store';
import { createFanoutQueue, createFanoutWorker } from '@tideline/fanout';
import { Redis } from 'ioredis';
import type { FeedsConfig } from '../config.js';
import { feedProjector } from '../project/feed-projector.js';

const [databaseUrl, redisUrl, configJson] = process.argv.slice(2);
if (!databaseUrl || !redisUrl || !configJson)
  throw new Error('usage: feed-worker-child <db> <redis> <config>');
const config = JSON.parse(configJson) as FeedsConfig;
const db = createDatabase({ connectionString: databaseUrl, max: 4 });
const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
const bull = new Redis(redisUrl, { maxRetriesPerRequest: null });
const queue = createFanoutQueue({ connection: bull, config });
const consumer = createConsumer({
  db,
  connectionString: databaseUrl,
  projection: feedProjector({ redis, queue, config }),
  batchSize: 50,
  standbyPollMs: 50,
  // Short, so a killed worker's successor takes over quickly (and under the fence).
  leaseTtlMs: 2000,
  retry: { attempts: 3, initialDelayMs: 20, maxDelayMs: 100 },
});
consumer.start();
const worker = createFanoutWorker({
  connection: bull,
  redis,
  config,
  concurrency: 4,
  stalledIntervalMs: 500,
});
worker.on('error', () => {});
process.on('SIGTERM', () => {
  void Promise.all([consumer.stop(), worker.close()]).then(() => process.exit(0));
});
