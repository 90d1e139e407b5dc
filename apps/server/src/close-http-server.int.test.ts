import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { closeHttpServer } from './close-http-server.js';

describe('closeHttpServer', () => {
  it('lets an in-flight request finish, then refuses new connections', async () => {
    let release = () => {};
    let arrived = () => {};
    const requestArrived = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const server = createServer((_req, res) => {
      arrived();
      release = () => res.end('done');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const inFlight = fetch(base).then((response) => response.text());
    await requestArrived;
    const closing = closeHttpServer(server, 5_000);
    await expect(fetch(base)).rejects.toThrow();
    release();

    expect(await inFlight).toBe('done');
    await closing;
    expect(server.listening).toBe(false);
  });
});
