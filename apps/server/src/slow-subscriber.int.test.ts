import { connect, type Socket } from 'node:net';
import { waitFor } from '@tideline/event-store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { openEventStream } from './testing/sse-reader.js';
import { startTestServer, TEST_API_KEY, type TestServer } from './testing/test-server.js';

/**
 * A subscriber that stops reading costs the server its socket buffers plus a bounded
 * queue (WATCH_BUFFER_MAX, 10 here), then its stream ends; one that reads gets everything
 * meanwhile, and the slow one resumes from its last id with nothing lost.
 */
let server: TestServer;
/** Listener-leak warnings the server in this process raised (a stream waiting to drain). */
const leaks: string[] = [];
const onWarning = (warning: Error) => {
  if (warning.name === 'MaxListenersExceededWarning') leaks.push(warning.message);
};
beforeAll(async () => {
  process.on('warning', onWarning);
  server = await startTestServer('slow_subscriber', { watchBufferMax: 10 });
});
afterAll(async () => {
  process.off('warning', onWarning);
  await server?.close();
});

/** An event-stream request on a raw socket that is never read: the kernel buffers fill up. */
async function stalledStream(path: string): Promise<{ socket: Socket; head: string }> {
  const { hostname, port } = new URL(server.url);
  const socket = connect(Number(port), hostname);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${TEST_API_KEY}\r\n\r\n`,
  );
  // Read until the watch has started (its first event), then never again.
  let head = '';
  await new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      head += chunk.toString('utf8');
      if (!head.includes('feed.watching')) return;
      socket.off('data', onData);
      socket.pause();
      resolve();
    };
    socket.on('data', onData);
  });
  return { socket, head };
}

/** ~13 MB of messages on `user:<actor>`: more than loopback socket buffers hold. */
async function postBigActivities(actor: string): Promise<number> {
  const blob = 'x'.repeat(16_000);
  let sent = 0;
  for (let batch = 0; batch < 16; batch += 1) {
    const response = await server.request(`/api/v1/feeds/user/${actor}/activities/batch`, {
      method: 'POST',
      body: JSON.stringify({
        activities: Array.from({ length: 50 }, (_, i) => ({
          actor,
          verb: 'post',
          object: `p${batch}-${i}`,
          extra: { blob },
        })),
      }),
    });
    expect(response.status).toBe(200);
    sent += 50;
  }
  return sent;
}

describe('a slow subscriber', () => {
  it('is cut off after its bounded queue fills, never delays a fast one, and resumes losslessly', async () => {
    const path = '/api/v1/feeds/user/sam/stream';
    const fast = await openEventStream(`${server.url}${path}`, {
      authorization: `Bearer ${TEST_API_KEY}`,
    });
    const slow = await stalledStream(path);
    await waitFor(() => fast.events.length === 1, { message: 'the fast stream to start' });

    const sent = await postBigActivities('sam');
    await waitFor(() => fast.events.length === 1 + sent, {
      timeoutMs: 30_000,
      message: 'every message on the fast stream',
    });
    const positions = fast.events.slice(1).map((e) => e.id);
    expect(new Set(positions).size).toBe(sent);
    // The server ended the stalled stream: its unread bytes are all it will ever get.
    const received = slow.head + (await readAll(slow.socket));
    expect(received).toContain('event: error');
    expect(received).toContain('SERVICE_UNAVAILABLE');
    const ids = [...received.matchAll(/^id: (\w+)$/gm)].map((m) => m[1] ?? '');
    const lastId = ids.at(-1) ?? '';
    expect(ids.length).toBeLessThan(1 + positions.length);

    const resumed = await openEventStream(`${server.url}${path}`, {
      authorization: `Bearer ${TEST_API_KEY}`,
      'last-event-id': lastId,
    });
    await waitFor(() => resumed.events.length === 1 + positions.length - (ids.length - 1), {
      timeoutMs: 30_000,
      message: 'the rest on the resumed stream',
    });
    expect([...ids.slice(1), ...resumed.events.slice(1).map((e) => e.id)]).toEqual(positions);
    await Promise.all([fast.close(), resumed.close()]);
  }, 90_000);

  it('leaves no listeners behind on a stream that waited for its socket to drain', () => {
    expect(leaks).toEqual([]);
  });

  it('over WebSocket: its subscription ends with SERVICE_UNAVAILABLE instead of filling memory', async () => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/trpc`, {
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });
    const frames: string[] = [];
    socket.on('message', (data) => frames.push(data.toString()));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(
      JSON.stringify({
        id: 1,
        method: 'subscription',
        params: { path: 'feeds.watch', input: { group: 'user', id: 'wes' } },
      }),
    );
    await waitFor(() => frames.some((f) => f.includes('feed.watching')), {
      message: 'the watch to start',
    });
    // Stop reading: the server's send buffer fills, the watch waits, its queue overflows.
    const raw = (socket as unknown as { _socket: Socket })._socket;
    raw.pause();
    const fast = await openEventStream(`${server.url}/api/v1/feeds/user/wes/stream`, {
      authorization: `Bearer ${TEST_API_KEY}`,
    });
    await waitFor(() => fast.events.length === 1, { message: 'the fast stream to start' });
    const sent = await postBigActivities('wes');
    await waitFor(() => fast.events.length === 1 + sent, {
      timeoutMs: 30_000,
      message: 'every message on the fast stream',
    });

    raw.resume();
    await waitFor(() => frames.some((f) => f.includes('"error"')), {
      timeoutMs: 30_000,
      message: 'the WebSocket subscription to end',
    });
    const error = JSON.parse(frames.find((f) => f.includes('"error"')) ?? '{}') as {
      error?: { data?: { code?: string } };
    };
    expect(error.error?.data?.code).toBe('SERVICE_UNAVAILABLE');
    const delivered = frames.filter((f) => f.includes('activity.added')).length;
    expect(delivered).toBeLessThan(sent);
    socket.terminate();
    await fast.close();
  }, 90_000);
});

/** Reads the paused socket to its end (the server closed it), as text. */
async function readAll(socket: Socket): Promise<string> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.resume();
  await waitFor(() => socket.readableEnded || socket.destroyed, {
    timeoutMs: 30_000,
    message: 'the slow stream to end',
  });
  return Buffer.concat(chunks).toString('utf8');
}
