import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiDeps, type RateLimitConfig } from '@tideline/api';
import { createDatabase, type EventStoreTables } from '@tideline/event-store';
import type { FeedsConfig } from '@tideline/feeds';
import { createFeedHarness, type FeedHarness } from '@tideline/feeds/testing';
import { TEST_API_KEY, TEST_JWT_SECRET } from '@tideline/test-server';
import type { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { createApp } from '../app.js';
import { closeHttpServer } from '../close-http-server.js';
import { createHttpServer } from '../http-server.js';
import { createMetrics } from '../metrics.js';
import { createServerRedis } from '../redis-client.js';
import { attachWebSockets } from '../websocket.js';

// The same credentials as the process-based harness other packages use (@tideline/test-server).
export { TEST_API_KEY, TEST_JWT_SECRET };

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  harness: FeedHarness;
  /** The server's own Redis client (fails fast while Redis is down). */
  redis: Redis;
  /** A user token for `userId`, valid for `expiresIn` (default 1 h; negative = expired). */
  tokenFor(
    userId: string,
    options?: { expiresInSeconds?: number; secret?: string },
  ): Promise<string>;
  /** `fetch` against the server with a bearer token. */
  request(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The API server as production wires it — its own database and key prefix, the feed
 * projector and a fan-out worker in-process — listening on a free port. In-process, so the
 * server's own tests can reach into it (its Redis client, a proxied database URL); other
 * packages and apps run the server as a process through @tideline/test-server.
 *
 * @example
 * const server = await startTestServer('rest');
 * const res = await server.request('/api/v1/feeds/user/ana/activities');
 */
export async function startTestServer(
  label: string,
  options: {
    redisUrl?: string;
    rateLimits?: RateLimitConfig;
    startProjector?: boolean;
    /** The server reaches PostgreSQL through this URL instead (e.g. a proxy it can lose). */
    serverDatabaseUrl?: (url: string) => string;
    /** Serve this built web app at `/`. */
    webAppDir?: string;
    /** Mount `/demo` (DEMO=1), minting tokens with TEST_JWT_SECRET. */
    demo?: boolean;
    /** `WATCH_BUFFER_MAX` (default 1000). */
    watchBufferMax?: number;
    /** `WATCH_KEEPALIVE_SECONDS` (default 15). */
    keepAliveSeconds?: number;
    /** Feed settings other than the defaults, e.g. `groups` (FEED_GROUPS). */
    feeds?: Partial<FeedsConfig>;
  } = {},
): Promise<TestServer> {
  const harness = await createFeedHarness(
    label,
    options.feeds ?? {},
    options.redisUrl ? { redisUrl: options.redisUrl } : {},
  );
  if (options.startProjector !== false) harness.start();
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const redis = createServerRedis(options.redisUrl ?? redisUrlOf(harness), logger);
  await once(redis, 'ready');
  const serverDb = options.serverDatabaseUrl
    ? createDatabase({
        connectionString: options.serverDatabaseUrl(harness.testDb.url),
        max: 5,
        connectionTimeoutMillis: 1_000,
      })
    : undefined;
  const db = serverDb ?? harness.testDb.db;
  const api = createApiDeps({
    db,
    redis,
    config: harness.config,
    auth: { apiKeys: [TEST_API_KEY], jwtSecret: TEST_JWT_SECRET },
    rateLimits: options.rateLimits ?? { userPerMinute: 0, serverPerMinute: 0 },
    ...(options.watchBufferMax === undefined ? {} : { watchBufferMax: options.watchBufferMax }),
  });
  const metrics = createMetrics({
    db,
    redis,
    config: harness.config,
    watchStats: api.watchStats,
  });
  const app = createApp({
    db: db as unknown as Kysely<EventStoreTables>,
    redis,
    logger,
    api,
    metrics,
    corsOrigins: ['http://allowed.example'],
    webAppDir: options.webAppDir,
    demo: options.demo ? { jwtSecret: TEST_JWT_SECRET } : undefined,
    ...(options.keepAliveSeconds === undefined
      ? {}
      : { keepAliveSeconds: options.keepAliveSeconds }),
  });
  const server: Server = createHttpServer(app).listen(0, '127.0.0.1');
  const closeWebSockets = attachWebSockets(server, api, logger);
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    harness,
    redis,
    async tokenFor(userId, tokenOptions = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuedAt(now)
        .setExpirationTime(now + (tokenOptions.expiresInSeconds ?? 3600))
        .sign(new TextEncoder().encode(tokenOptions.secret ?? TEST_JWT_SECRET));
    },
    request(path, init = {}) {
      const { token = TEST_API_KEY, headers, ...rest } = init;
      return fetch(`${url}${path}`, {
        ...rest,
        headers: {
          ...(rest.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
          ...(headers as Record<string, string> | undefined),
        },
      });
    },
    async close() {
      await closeWebSockets();
      await closeHttpServer(server, 1_000);
      await metrics.close();
      await api.close();
      redis.disconnect();
      await serverDb?.destroy();
      await harness.destroy();
    },
  };
}

function redisUrlOf(harness: FeedHarness): string {
  const { host, port } = harness.redis.options;
  return `redis://${host ?? '127.0.0.1'}:${port ?? 6379}`;
}
