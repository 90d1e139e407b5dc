import type { RateLimitConfig } from '@tideline/api';
import { testRedisUrl } from '@tideline/fanout/testing';
import { createFeedHarness, type FeedHarness } from '@tideline/feeds/testing';
import { SignJWT } from 'jose';
import { startServerProcess } from './server-process.js';

export const TEST_API_KEY = 'test-server-key-0123456789abcdef';
export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789abcdef-0123456789';

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The test's own database and Redis key prefix, with the feed projector and a fan-out worker. */
  harness: FeedHarness;
  /** A user token for `userId`, valid for `expiresInSeconds` (default 1 h; negative = expired). */
  tokenFor(userId: string, options?: { expiresInSeconds?: number }): Promise<string>;
  /** `fetch` against the server with a bearer token (TEST_API_KEY unless given; null = none). */
  request(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  /** Stops the server, then the harness, and drops the database; a second call waits for the first. */
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Default: no limits. */
  rateLimits?: RateLimitConfig;
  /** Serve this built web app at `/` (WEB_APP_DIR). */
  webAppDir?: string;
  /** DEMO=1: `/demo` mints tokens for the demo users, signed with TEST_JWT_SECRET. */
  demo?: boolean;
}

/**
 * The real API server for tests outside apps/server: `apps/server/src/main.ts` as its own
 * process, as production runs it, on a free port, over a database and Redis key prefix of
 * the test's own. The feed projector and a fan-out worker run in the test process (a
 * worker's share, as `harness`), so `harness.quiesce()` waits for every write to be
 * projected and fanned out. It accepts TEST_API_KEY and user tokens signed with
 * TEST_JWT_SECRET.
 *
 * @example
 * const server = await startTestServer('client-e2e');
 * const client = createTidelineClient({ url: server.url, token: await server.tokenFor('ana') });
 */
export async function startTestServer(
  label: string,
  options: TestServerOptions = {},
): Promise<TestServer> {
  const harness = await createFeedHarness(label);
  harness.start();
  const limits = options.rateLimits ?? { userPerMinute: 0, serverPerMinute: 0 };
  const env: Record<string, string> = {
    DATABASE_URL: harness.testDb.url,
    REDIS_URL: testRedisUrl,
    REDIS_KEY_PREFIX: harness.config.redisPrefix,
    FANOUT_THRESHOLD: String(harness.config.fanoutThreshold),
    FANOUT_ACTIVE_DAYS: String(harness.config.fanoutActiveDays),
    TIMELINE_MAX: String(harness.config.timelineMax),
    API_KEYS: TEST_API_KEY,
    JWT_SECRET: TEST_JWT_SECRET,
    RATE_LIMIT_USER_PER_MINUTE: String(limits.userPerMinute),
    RATE_LIMIT_SERVER_PER_MINUTE: String(limits.serverPerMinute),
    RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: String(limits.authFailuresPerMinute ?? 0),
    DEMO: options.demo ? '1' : '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...(options.webAppDir === undefined ? {} : { WEB_APP_DIR: options.webAppDir }),
  };
  const server = await startServerProcess(env).catch(async (error: unknown) => {
    await harness.destroy();
    throw error;
  });
  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    harness,
    async tokenFor(userId, tokenOptions = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuedAt(now)
        .setExpirationTime(now + (tokenOptions.expiresInSeconds ?? 3600))
        .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    },
    request(path, init = {}) {
      const { token = TEST_API_KEY, headers, ...rest } = init;
      return fetch(`${server.url}${path}`, {
        ...rest,
        headers: {
          ...(rest.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
          ...(headers as Record<string, string> | undefined),
        },
      });
    },
    close() {
      closing ??= server.stop().then(() => harness.destroy());
      return closing;
    },
  };
}
