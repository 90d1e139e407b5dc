import type { Server } from 'node:http';

/** Emitted on the server when it starts draining. */
export const DRAINING = 'tideline:draining';

/** How often keep-alive connections that went idle during the drain are closed. */
const IDLE_SWEEP_MS = 50;

/**
 * Stops accepting connections, lets in-flight requests finish, and closes keep-alive
 * connections as soon as they are idle (a connection whose request finishes mid-drain
 * would otherwise hold the close up until its keep-alive timeout). Emits `DRAINING` first,
 * so event streams can end at once. After `timeoutMs`, remaining connections are cut.
 */
export async function closeHttpServer(server: Server, timeoutMs: number): Promise<void> {
  // Long-lived responses (event streams) end themselves on this, rather than being cut.
  server.emit(DRAINING);
  const closed = new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
  });
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
    clearTimeout(deadline);
  }
}
