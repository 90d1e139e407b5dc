import { waitFor } from '@tideline/event-store/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEventStream } from './testing/sse-reader.js';
import { startTestServer, TEST_API_KEY, type TestServer } from './testing/test-server.js';

let server: TestServer;
let closed = false;
beforeAll(async () => {
  server = await startTestServer('watch_lifecycle');
});
afterAll(async () => {
  if (!closed) await server?.close();
});

describe('the first watches of a process', () => {
  // Once failed with 500s: the pub/sub connection's ready check (INFO) raced the first
  // SUBSCRIBEs, after a metrics scrape had opened the fan-out queue's connection.
  it('all open, however many arrive at once while the pub/sub connection is opening', async () => {
    // Timelines following one feed: every watch subscribes to its channel too.
    await sql`
      INSERT INTO follows (source, target, cutoff_ms, cutoff_id, followed_position)
      SELECT 'timeline:start' || k, 'user:star', NULL, NULL, repeat('0', 32)
      FROM generate_series(0, 199) AS k`.execute(server.harness.testDb.db);
    await (await server.request('/metrics', { token: null })).text();
    const streams = await Promise.all(
      Array.from({ length: 200 }, (_, k) =>
        openEventStream(`${server.url}/api/v1/feeds/timeline/start${k}/stream`, {
          authorization: `Bearer ${TEST_API_KEY}`,
        }),
      ),
    );
    try {
      expect(streams.map((s) => s.response.status).filter((status) => status !== 200)).toEqual([]);
    } finally {
      await Promise.all(streams.map((s) => s.close()));
    }
  });
});

describe('a server shutting down', () => {
  it('ends its event streams at once, REST with a comment, tRPC with a retryable error', async () => {
    const authorization = `Bearer ${TEST_API_KEY}`;
    const rest = await openEventStream(`${server.url}/api/v1/feeds/user/vic/stream`, {
      authorization,
    });
    const input = encodeURIComponent(JSON.stringify({ group: 'user', id: 'vic' }));
    const trpc = await openEventStream(`${server.url}/trpc/feeds.watch?input=${input}`, {
      authorization,
    });
    await waitFor(
      () => rest.events.length === 1 && trpc.events.some((e) => e.data.includes('feed.watching')),
      { message: 'both streams to start' },
    );
    closed = true;
    await server.close();
    await waitFor(() => rest.ended && trpc.ended, { message: 'both streams to end' });

    expect(rest.comments).toContain('server shutting down');
    const error = trpc.events.find((e) => e.event === 'serialized-error');
    expect(JSON.parse(error?.data ?? '{}')).toMatchObject({
      data: { code: 'SERVICE_UNAVAILABLE' },
    });
  });
});
