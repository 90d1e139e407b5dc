import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ApiDeps, appRouter } from '@tideline/api';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';

/** Bytes a WebSocket may have queued before subscriptions wait for it to drain. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * Resolves once the socket's send buffer is under the limit. `ws` emits no drain event,
 * so a congested socket is polled; an uncongested one (the usual case) costs nothing.
 */
async function drained(socket: WebSocket): Promise<void> {
  while (socket.bufferedAmount > MAX_BUFFERED_BYTES && socket.readyState === socket.OPEN) {
    await sleep(20);
  }
}

/**
 * tRPC over WebSocket on the HTTP server's port, at `/trpc`. Browsers cannot set headers
 * on a WebSocket, so the token may also come as the `token` connection parameter.
 * Returns a function that closes every connection.
 */
export function attachWebSockets(server: Server, api: ApiDeps, logger: Logger) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/trpc') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const handler = applyWSSHandler({
    wss,
    router: appRouter,
    createContext: ({ req, res, info }) => {
      const token = info.connectionParams?.token;
      return {
        deps: api,
        authorization: req.headers.authorization ?? (token ? `Bearer ${token}` : undefined),
        clientAddress: req.socket.remoteAddress,
        requestId: randomUUID(),
        drained: () => drained(res),
      };
    },
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 5_000 },
    onError: ({ error }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR')
        logger.error({ err: error.cause ?? error }, 'websocket request failed');
    },
  });
  return async function close(): Promise<void> {
    handler.broadcastReconnectNotification();
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
}
