import { createServer, type Server, Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Refuses new connections and cuts every open one: the upstream looks gone. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP proxy to `upstreamPort` that a test can cut and restore, to take a shared
 * service (the machine's PostgreSQL) away from one client without stopping it.
 */
export async function startTcpProxy(upstreamPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const listen = (server: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  const make = () =>
    createServer((client) => {
      const upstream = new Socket();
      sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      upstream.connect(upstreamPort, '127.0.0.1', () => {
        client.pipe(upstream).pipe(client);
      });
    });
  let server = make();
  const port = await listen(server, 0);
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      server.close(() => resolve());
    });
  return {
    port,
    cut: stop,
    async restore() {
      server = make();
      await listen(server, port);
    },
    close: stop,
  };
}
