import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiDeps } from '@tideline/api';
import { createDatabase, type EventStoreTables } from '@tideline/event-store';
import { freePort } from '@tideline/event-store/testing';
import { defaultFeedsConfig } from '@tideline/feeds';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { closeHttpServer } from './close-http-server.js';
import { loadEnv } from './env.js';
import { createMetrics } from './metrics.js';

const logger = pino({ level: 'silent' });
// The defaults point at the machine's local PostgreSQL and Redis; readiness only runs
// `select 1` and PING there, so no database of its own is needed.
const { DATABASE_URL, REDIS_URL } = loadEnv({});
const postgresUrl = DATABASE_URL.replace(/\/[^/]*$/, '/postgres');

/** A client that gives up at once, as readiness must when Redis is gone. */
function redisClient(url: string): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  return redis;
}

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function serve(options: { postgres: string; redis: string }): Promise<string> {
  const db = createDatabase<EventStoreTables>({ connectionString: options.postgres, max: 2 });
  const redis = redisClient(options.redis);
  const feedsDb = db as unknown as Kysely<unknown>;
  const config = { ...defaultFeedsConfig, redisPrefix: 'health-test:' };
  const api = createApiDeps({
    db: feedsDb,
    redis,
    config,
    auth: { apiKeys: [] },
    rateLimits: { userPerMinute: 0, serverPerMinute: 0 },
  });
  const metrics = createMetrics({ db: feedsDb, redis, config });
  const server: Server = createApp({ db, redis, logger, api, metrics, corsOrigins: [] }).listen(
    0,
    '127.0.0.1',
  );
  await new Promise((resolve) => server.once('listening', resolve));
  cleanups.push(
    () => db.destroy(),
    () => metrics.close(),
    async () => redis.disconnect(),
    () => closeHttpServer(server, 1_000),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('server health endpoints', () => {
  it('answers /healthz while the process runs', async () => {
    const base = await serve({ postgres: postgresUrl, redis: REDIS_URL });

    const response = await fetch(`${base}/healthz`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 when PostgreSQL and Redis respond', async () => {
    const base = await serve({ postgres: postgresUrl, redis: REDIS_URL });

    const response = await fetch(`${base}/readyz`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      checks: { postgres: 'ok', redis: 'ok' },
    });
  });

  it('answers /readyz with 503 naming Redis when Redis does not answer', async () => {
    const base = await serve({
      postgres: postgresUrl,
      redis: `redis://127.0.0.1:${await freePort()}`,
    });

    const response = await fetch(`${base}/readyz`);

    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      code: 'SERVICE_UNAVAILABLE',
      message: 'Redis unreachable',
      checks: { postgres: 'ok', redis: 'unavailable' },
    });
  });

  it('answers /readyz with 503 naming PostgreSQL when PostgreSQL does not answer', async () => {
    const base = await serve({
      postgres: `postgres://postgres@127.0.0.1:${await freePort()}/postgres`,
      redis: REDIS_URL,
    });

    const response = await fetch(`${base}/readyz`);

    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      message: 'PostgreSQL unreachable',
      checks: { postgres: 'unavailable', redis: 'ok' },
    });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const base = await serve({ postgres: postgresUrl, redis: REDIS_URL });

    const response = await fetch(`${base}/nope`);

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ code: 'NOT_FOUND', message: 'no route for GET /nope' });
  });
});
