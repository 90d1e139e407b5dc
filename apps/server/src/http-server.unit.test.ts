import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from './http-server.js';

describe('createHttpServer', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function serve(app: express.Express) {
    const server = createHttpServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  it('creates requests and responses with the app prototypes, so Express never swaps them', async () => {
    const app = express();
    app.get('/probe', (req, res) => {
      res.json({ query: req.query.q, sameApp: req.app === app });
    });
    const { server, url } = await serve(app);
    const created: { request: boolean; response: boolean }[] = [];
    // Runs before Express's handler, i.e. before its Object.setPrototypeOf.
    server.prependListener('request', (req: IncomingMessage, res) => {
      created.push({
        request: Object.getPrototypeOf(req) === app.request,
        response: Object.getPrototypeOf(res) === app.response,
      });
    });

    const res = await fetch(`${url}/probe?q=hello`);

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ query: 'hello', sameApp: true });
    expect(created).toEqual([{ request: true, response: true }]);
  });

  it('keeps extensions made to express.request and app.response', async () => {
    const app = express();
    Object.defineProperty(app.response, 'greet', {
      value(this: express.Response) {
        this.type('text').send('hi');
      },
    });
    app.get('/greet', (_req, res) => {
      (res as express.Response & { greet(): void }).greet();
    });
    const { url } = await serve(app);

    const res = await fetch(`${url}/greet`);

    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hi');
  });
});
