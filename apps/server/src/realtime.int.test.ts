import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '@tideline/event-store/testing';
import { testRedisUrl } from '@tideline/fanout/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EventStream, openEventStream } from './testing/sse-reader.js';
import {
  startTestServer,
  TEST_API_KEY,
  TEST_JWT_SECRET,
  type TestServer,
} from './testing/test-server.js';

/** The REST event stream (docs/product.md §4, §5): resume, keep-alive, auth, two processes. */
let server: TestServer;
const streams: EventStream[] = [];

beforeAll(async () => {
  server = await startTestServer('realtime', { keepAliveSeconds: 1 });
});
afterEach(async () => {
  await Promise.all(streams.splice(0).map((s) => s.close()));
});
afterAll(() => server?.close());

async function stream(origin: string, path: string, headers: Record<string, string> = {}) {
  const opened = await openEventStream(`${origin}${path}`, {
    authorization: `Bearer ${TEST_API_KEY}`,
    ...headers,
  });
  streams.push(opened);
  return opened;
}

async function post(origin: string, feed: string, object: string) {
  const [group, id] = feed.split(':');
  const response = await fetch(`${origin}/api/v1/feeds/${group}/${id}/activities`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ actor: id, verb: 'post', object }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { activity: { id: string }; position: string };
}

describe('GET /api/v1/feeds/{group}/{id}/stream', () => {
  it('streams messages as text/event-stream with id lines, and keeps a quiet stream alive', async () => {
    const live = await stream(server.url, '/api/v1/feeds/user/ana/stream');
    expect(live.response.status).toBe(200);
    expect(live.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await waitFor(() => live.events.length === 1, { message: 'feed.watching' });
    const added = await post(server.url, 'user:ana', 'p1');
    await waitFor(() => live.events.length === 2, { message: 'the add' });

    expect(live.events[1]?.id).toBe(added.position);
    expect(live.messages()[1]).toMatchObject({
      type: 'activity.added',
      feed: 'user:ana',
      activity: { id: added.activity.id },
    });
    await waitFor(() => live.comments.includes('keep-alive'), { message: 'a keep-alive comment' });
    const metrics = await (await server.request('/metrics', { token: null })).text();
    expect(metrics).toMatch(/^tideline_watch_listeners [1-9]\d*$/m);
    expect(metrics).toMatch(/^tideline_watch_channels [1-9]\d*$/m);
  });

  it('resumes after Last-Event-ID, or the lastEventId query parameter, with what was missed', async () => {
    const first = await post(server.url, 'user:bea', 'p1');
    const second = await post(server.url, 'user:bea', 'p2');
    const third = await post(server.url, 'user:bea', 'p3');
    await server.harness.quiesce();

    const byHeader = await stream(server.url, '/api/v1/feeds/user/bea/stream', {
      'last-event-id': first.position,
    });
    const byQuery = await stream(
      server.url,
      `/api/v1/feeds/user/bea/stream?lastEventId=${second.position}`,
    );
    await waitFor(() => byHeader.events.length === 3 && byQuery.events.length === 2, {
      message: 'the backfills',
    });
    expect(byHeader.events.map((e) => e.id)).toEqual([
      first.position,
      second.position,
      third.position,
    ]);
    expect(byQuery.events.map((e) => e.id)).toEqual([second.position, third.position]);
  });

  it('lets a user watch its own feeds only, and refuses bad input like every operation', async () => {
    const own = await stream(server.url, '/api/v1/feeds/notification/cal/stream', {
      authorization: `Bearer ${await server.tokenFor('cal')}`,
    });
    const other = await stream(server.url, '/api/v1/feeds/notification/dan/stream', {
      authorization: `Bearer ${await server.tokenFor('cal')}`,
    });
    const none = await stream(server.url, '/api/v1/feeds/user/cal/stream', { authorization: '' });
    const unknownGroup = await stream(server.url, '/api/v1/feeds/nope/cal/stream');
    const unknownParam = await stream(server.url, '/api/v1/feeds/user/cal/stream?offset=1');

    expect(own.response.status).toBe(200);
    expect([other, none, unknownGroup, unknownParam].map((s) => s.response.status)).toEqual([
      403, 401, 400, 400,
    ]);
    expect(await other.response.json()).toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('feeds.watch over tRPC SSE', () => {
  it('takes the token as a connection parameter, as a browser EventSource must send it', async () => {
    const token = await server.tokenFor('gil');
    const input = encodeURIComponent(JSON.stringify({ group: 'notification', id: 'gil' }));
    const params = encodeURIComponent(JSON.stringify({ token }));
    const own = await openEventStream(
      `${server.url}/trpc/feeds.watch?input=${input}&connectionParams=${params}`,
    );
    streams.push(own);
    await waitFor(() => own.events.some((e) => e.data.includes('feed.watching')), {
      message: 'feed.watching over tRPC SSE',
    });
    expect(own.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  });
});

describe('two server processes', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('delivers to a subscriber of one process what was written through the other', async () => {
    const port = await freePort();
    const main = fileURLToPath(import.meta.resolve('@tideline/server/main'));
    child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), main], {
      env: {
        ...process.env,
        PORT: String(port),
        DATABASE_URL: server.harness.testDb.url,
        REDIS_URL: testRedisUrl,
        REDIS_KEY_PREFIX: server.harness.config.redisPrefix,
        API_KEYS: TEST_API_KEY,
        JWT_SECRET: TEST_JWT_SECRET,
        LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    });
    const other = `http://127.0.0.1:${port}`;
    await waitFor(
      () =>
        fetch(`${other}/readyz`).then(
          (r) => r.ok,
          () => false,
        ),
      {
        timeoutMs: 30_000,
        message: 'the second server process',
      },
    );

    const there = await stream(other, '/api/v1/feeds/user/eve/stream');
    await waitFor(() => there.events.length === 1, { message: 'the watch to start' });
    const added = await post(server.url, 'user:eve', 'written here');
    await waitFor(() => there.events.length === 2, { message: 'the message over there' });
    expect(there.events[1]?.id).toBe(added.position);
  }, 60_000);
});
