import { waitFor } from '@tideline/event-store/testing';
import {
  startTcpProxy,
  startTestServer,
  type TcpProxy,
  type TestServer,
} from '@tideline/test-server';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { WebSocket } from 'ws';
import { createTidelineClient, type TidelineClient, type TidelineWatchEvent } from './index.js';

/**
 * Typed live subscriptions against the real server, over SSE (`eventsource`) and
 * WebSocket (`ws`), through a TCP proxy that drops every connection now and then: the
 * client resumes by itself and gets each message exactly once, in order.
 */
let server: TestServer;
let proxy: TcpProxy;

beforeAll(async () => {
  server = await startTestServer('client_subscriptions');
  proxy = await startTcpProxy(Number(new URL(server.url).port));
});
afterAll(async () => {
  await proxy?.close();
  await server?.close();
});

async function clientOf(userId: string, subscriptions: 'sse' | 'websocket', url = server.url) {
  return createTidelineClient({
    url,
    token: await server.tokenFor(userId),
    subscriptions,
    EventSource,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
  });
}

/** `waitFor` with this file's deadline: the subscriptions reconnect through a dropping proxy. */
const until = (condition: () => boolean, message: string, timeoutMs = 15_000) =>
  waitFor(condition, { message, timeoutMs });

function watch(client: TidelineClient, group: string, id: string) {
  const got: TidelineWatchEvent[] = [];
  const errors: unknown[] = [];
  const subscription = client.feeds.watch.subscribe(
    { group, id },
    {
      onData: (message) => {
        expectTypeOf(message.data.id).toEqualTypeOf<string>();
        got.push(message);
      },
      onError: (error) => {
        errors.push(error);
      },
    },
  );
  return {
    got,
    errors,
    changes: () => got.filter((m) => m.data.type !== 'feed.watching'),
    stop: () => subscription.unsubscribe(),
  };
}

describe.each(['sse', 'websocket'] as const)('feeds.watch over %s', (transport) => {
  it('delivers a user’s own notifications, typed, with fresh counts', async () => {
    const user = `nia_${transport}`;
    const nia = await clientOf(user, transport);
    const author = await clientOf('oto', transport);
    const live = watch(nia, 'notification', user);
    try {
      await until(() => live.got.length === 1, 'feed.watching');
      const added = await author.feeds.add.mutate({
        group: 'user',
        id: 'oto',
        actor: 'oto',
        verb: 'mention',
        object: `post:${transport}`,
        to: [`notification:${user}`],
      });
      await until(() => live.changes().length === 1, 'the mention');
      const [message] = live.changes();
      expect(message?.id).toBe(added.position);
      expect(message?.data).toMatchObject({
        type: 'activity.added',
        feed: `notification:${user}`,
        activity: { id: added.activity.id },
        unseen: 1,
        unread: 1,
      });
    } finally {
      live.stop();
    }
  });

  it('refuses another user’s feed with FORBIDDEN, without retrying', async () => {
    const nia = await clientOf('nia', transport);
    const other = watch(nia, 'notification', 'oto');
    await until(() => other.errors.length === 1, 'the error');
    expect(other.errors[0]).toMatchObject({ data: { code: 'FORBIDDEN' } });
    other.stop();
  });

  it('resumes after dropped connections with every message exactly once, in order', async () => {
    const feed = `rio_${transport}`;
    const rio = await clientOf(feed, transport, `http://127.0.0.1:${proxy.port}`);
    const writer = await clientOf(feed, transport);
    const live = watch(rio, 'user', feed);
    const positions: string[] = [];
    try {
      await until(() => live.got.length >= 1, 'feed.watching');
      for (let round = 0; round < 4; round += 1) {
        for (let i = 0; i < 3; i += 1) {
          const added = await writer.feeds.add.mutate({
            group: 'user',
            id: feed,
            actor: feed,
            verb: 'post',
            object: `p${round}-${i}`,
          });
          positions.push(added.position);
        }
        // Every open connection is cut; new ones are accepted again at once.
        await proxy.cut();
        await proxy.restore();
      }
      await until(() => live.changes().length >= positions.length, 'every message', 30_000);
      expect(live.changes().map((m) => m.id)).toEqual(positions);
    } finally {
      live.stop();
    }
  }, 60_000);
});
