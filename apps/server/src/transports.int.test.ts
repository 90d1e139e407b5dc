import type { AppRouter } from '@tideline/api';
import { createTRPCClient, createWSClient, httpBatchLink, wsLink } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startTestServer, TEST_API_KEY, type TestServer } from './testing/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer('transports');
});
afterAll(() => server.close());

describe('one router, three transports', () => {
  it('serves the same write and read over tRPC HTTP (batched), WebSocket and REST', async () => {
    const http = createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: `${server.url}/trpc`,
          headers: { authorization: `Bearer ${TEST_API_KEY}` },
        }),
      ],
    });
    const added = await http.feeds.add.mutate({
      group: 'user',
      id: 'ana',
      actor: 'ana',
      verb: 'post',
      object: 'post:1',
    });

    const ws = createWSClient({
      url: `${server.url.replace('http', 'ws')}/trpc`,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      connectionParams: { token: TEST_API_KEY },
    });
    try {
      const overWs = createTRPCClient<AppRouter>({ links: [wsLink({ client: ws })] });
      const page = await overWs.feeds.read.query({
        group: 'user',
        id: 'ana',
        minPosition: added.position,
      });
      expect(page.results.map((a) => a.id)).toEqual([added.activity.id]);
    } finally {
      ws.close();
    }

    const rest = await server.request('/api/v1/feeds/user/ana/activities');
    expect(((await rest.json()) as { results: { id: string }[] }).results[0]?.id).toBe(
      added.activity.id,
    );
  });

  it('gives tRPC clients the stable code in error.data', async () => {
    const http = createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({ url: `${server.url}/trpc`, headers: { authorization: 'Bearer nope' } }),
      ],
    });
    const error = await http.feeds.read.query({ group: 'user', id: 'ana' }).catch((e) => e);
    expect(error.data).toMatchObject({
      httpStatus: 401,
      tideline: { code: 'UNAUTHENTICATED', message: 'authorization: unknown API key or token' },
    });
    expect(error.data.stack).toBeUndefined();
  });

  it('exposes request latency by route, projector lag and queue depth as Prometheus metrics', async () => {
    await server.request('/api/v1/feeds/user/ana/activities');
    const text = await (await server.request('/metrics', { token: null })).text();
    expect(text).toMatch(
      /tideline_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/feeds\/\{group\}\/\{id\}\/activities",status="200"\} [1-9]/,
    );
    expect(text).toMatch(/^tideline_projector_lag_events \d+$/m);
    expect(text).toMatch(/^tideline_fanout_queue_depth \d+$/m);
    expect(text).not.toContain('route="/api/v1/feeds/user/ana');
  });
});
