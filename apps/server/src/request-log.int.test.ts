import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createApiDeps } from '@tideline/api';
import { createDatabase, type EventStoreTables } from '@tideline/event-store';
import { waitFor } from '@tideline/event-store/testing';
import { defaultFeedsConfig } from '@tideline/feeds';
import express from 'express';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { closeHttpServer } from './close-http-server.js';
import { loadEnv } from './env.js';
import { createMetrics } from './metrics.js';
import { requestLog } from './request-log.js';

type Line = Record<string, unknown> & {
  level: number;
  msg: string;
  reqId: string;
  req: { id: string; url: string; headers: Record<string, string> };
  res: { statusCode: number };
  responseTime: number;
};

/** A pino destination that keeps each JSON line, parsed, in `into`. */
function lineSink(into: Line[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n')) if (text) into.push(JSON.parse(text));
      done();
    },
  });
}

const lines: Line[] = [];
const sink = lineSink(lines);
let server: Server;
let origin: string;

function startApp(level: string) {
  const app = express();
  app.use(requestLog(pino({ level }, sink)));
  app.get('/ok', (req, res) => {
    res.json({ id: (req as unknown as { id: string }).id });
  });
  app.get('/missing', (_req, res) => {
    res.status(404).json({ code: 'NOT_FOUND' });
  });
  app.get('/broken', (_req, res) => {
    res.status(500).json({ code: 'INTERNAL' });
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  return app.listen(0, '127.0.0.1');
}

beforeAll(async () => {
  server = startApp('info');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
});

const lineFor = (id: string) =>
  waitFor(() => lines.find((line) => line.reqId === id), { message: `the log line of ${id}` });

describe('request ids and request logs', () => {
  it('answers with the client’s sane id, or a fresh one, and logs the request under it', async () => {
    const own = await fetch(`${origin}/ok`, { headers: { 'x-request-id': 'client-id-1' } });
    expect(own.headers.get('x-request-id')).toBe('client-id-1');
    expect(await own.json()).toEqual({ id: 'client-id-1' });

    const insane = await fetch(`${origin}/ok`, { headers: { 'x-request-id': 'no spaces <>' } });
    const fresh = insane.headers.get('x-request-id') ?? '';
    expect(fresh).toMatch(/^[0-9a-f-]{36}$/);

    const line = await lineFor('client-id-1');
    expect(line).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: 'client-id-1', method: 'GET', url: '/ok' },
      res: { statusCode: 200 },
    });
    expect(line.responseTime).toBeGreaterThanOrEqual(0);
    expect(await lineFor(fresh)).toMatchObject({ req: { id: fresh } });
  });

  it('logs 4xx at warn and 5xx at error, and nothing for health checks', async () => {
    await fetch(`${origin}/healthz`, { headers: { 'x-request-id': 'health-1' } });
    await fetch(`${origin}/missing`, { headers: { 'x-request-id': 'missing-1' } });
    await fetch(`${origin}/broken`, { headers: { 'x-request-id': 'broken-1' } });
    expect((await lineFor('missing-1')).level).toBe(40);
    expect((await lineFor('broken-1')).level).toBe(50);
    // The health check finished before the two after it were logged.
    expect(lines.some((line) => line.reqId === 'health-1')).toBe(false);
  });

  it('keeps tokens out: the Authorization header and SSE connection parameters are redacted', async () => {
    await fetch(`${origin}/ok?input=1&connectionParams=%7B%22token%22%3A%22secret%22%7D`, {
      headers: { 'x-request-id': 'redact-1', authorization: 'Bearer very-secret-key' },
    });
    const line = await lineFor('redact-1');
    expect(line.req.url).toBe('/ok?input=1&connectionParams=[redacted]');
    expect(line.req.headers.authorization).toBe('[redacted]');
    expect(line.req).not.toHaveProperty('query');
    expect(JSON.stringify(line)).not.toMatch(/secret/i);
  });

  it('writes nothing for a level that is off, and still gives the id', async () => {
    const quiet = startApp('warn');
    await once(quiet, 'listening');
    try {
      const at = `http://127.0.0.1:${(quiet.address() as AddressInfo).port}`;
      const ok = await fetch(`${at}/ok`, { headers: { 'x-request-id': 'quiet-ok' } });
      expect(ok.headers.get('x-request-id')).toBe('quiet-ok');
      await fetch(`${at}/missing`, { headers: { 'x-request-id': 'quiet-missing' } });
      expect((await lineFor('quiet-missing')).level).toBe(40);
      expect(lines.some((line) => line.reqId === 'quiet-ok')).toBe(false);
    } finally {
      quiet.close();
    }
  });
});

describe('the server’s logs of refused requests and of bugs', () => {
  const API_KEY = 'request-log-key-0123456789abcdef';
  /** A token whose authentication throws a plain Error: a bug, as a 500. */
  const BUG_TOKEN = 'token-that-trips-a-bug';
  const appLines: Line[] = [];
  const appSink = lineSink(appLines);
  let base: string;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    // The requests below never reach PostgreSQL: the machine's default database will do.
    const { DATABASE_URL, REDIS_URL } = loadEnv({});
    const db = createDatabase<EventStoreTables>({ connectionString: DATABASE_URL, max: 2 });
    const redis = new Redis(REDIS_URL);
    const feedsDb = db as unknown as Kysely<unknown>;
    const config = { ...defaultFeedsConfig, redisPrefix: 'request-log-test:' };
    const api = createApiDeps({
      db: feedsDb,
      redis,
      config,
      auth: { apiKeys: [API_KEY] },
      rateLimits: { userPerMinute: 0, serverPerMinute: 0 },
    });
    const authenticate = api.authenticate;
    api.authenticate = async (authorization) => {
      if (authorization === `Bearer ${BUG_TOKEN}`) throw new Error('a bug in authentication');
      return authenticate(authorization);
    };
    const metrics = createMetrics({ db: feedsDb, redis, config });
    const logger = pino({ level: 'info' }, appSink);
    const app = createApp({ db, redis, logger, api, metrics, corsOrigins: [] });
    const listening: Server = app.listen(0, '127.0.0.1');
    await once(listening, 'listening');
    base = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
    cleanups.push(
      () => closeHttpServer(listening, 1_000),
      () => metrics.close(),
      () => api.close(),
      async () => redis.disconnect(),
      () => db.destroy(),
    );
  });
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  const call = (path: string, id: string, init: RequestInit = {}, token = API_KEY) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        'x-request-id': id,
        ...(init.headers as Record<string, string> | undefined),
      },
    });
  const requestLine = (id: string) =>
    waitFor(() => appLines.find((line) => line.reqId === id && 'res' in line), {
      message: `the request line of ${id}`,
    });

  it('logs client errors (404, 405, 415, 400) at warn, with no error line and no stack', async () => {
    const refused = [
      { id: 'unknown-rest', status: 404, request: call('/api/v1/no/such/path', 'unknown-rest') },
      { id: 'unknown-trpc', status: 404, request: call('/trpc/no.such.procedure', 'unknown-trpc') },
      {
        id: 'wrong-type',
        status: 415,
        request: call('/api/v1/feeds/user/ana/activities', 'wrong-type', {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: 'hello',
        }),
      },
      {
        id: 'bad-limit',
        status: 400,
        request: call('/api/v1/feeds/user/ana/activities?limit=1000', 'bad-limit'),
      },
      {
        id: 'query-as-mutation',
        status: 405,
        request: call('/trpc/feeds.add', 'query-as-mutation'),
      },
    ];
    for (const { id, status, request } of refused) {
      expect((await request).status, id).toBe(status);
      expect((await requestLine(id)).level, id).toBe(40);
    }

    expect(appLines.filter((line) => line.level >= 50)).toEqual([]);
    expect(appLines.filter((line) => 'err' in line)).toEqual([]);
  });

  it('logs a bug (500) at error, with its stack, under the request id', async () => {
    const response = await call('/api/v1/feeds/user/ana/activities', 'bug-1', {}, BUG_TOKEN);
    expect(response.status).toBe(500);

    expect((await requestLine('bug-1')).level).toBe(50);
    const failure = await waitFor(
      () => appLines.find((line) => line.reqId === 'bug-1' && line.msg === 'request failed'),
      { message: 'the request failed line of bug-1' },
    );
    expect(failure.level).toBe(50);
    expect(failure.err).toMatchObject({ message: 'a bug in authentication' });
    expect((failure.err as { stack?: string }).stack).toMatch(
      /Error: a bug in authentication\n\s+at /,
    );
  });
});
