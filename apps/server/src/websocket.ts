import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { type ApiDeps, appRouter } from '@tideline/api';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';

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
    createContext: ({ req, info }) => {
      const token = info.connectionParams?.token;
      return {
        deps: api,
        authorization: req.headers.authorization ?? (token ? `Bearer ${token}` : undefined),
        requestId: randomUUID(),
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
