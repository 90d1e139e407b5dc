import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { waitFor } from '@tideline/event-store/testing';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestLog } from './request-log.js';

type Line = Record<string, unknown> & {
  level: number;
  msg: string;
  reqId: string;
  req: { id: string; url: string; headers: Record<string, string> };
  res: { statusCode: number };
  responseTime: number;
};

const lines: Line[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const text of chunk.toString().split('\n')) if (text) lines.push(JSON.parse(text));
    done();
  },
});
let server: Server;
let origin: string;

function startApp(level: string) {
  const app = express();
  app.use(requestLog(pino({ level }, sink)));
  app.get('/ok', (req, res) => {
    res.json({ id: (req as unknown as { id: string }).id });
  });
  app.get('/missing', (_req, res) => {
    res.status(404).json({ code: 'NOT_FOUND' });
  });
  app.get('/broken', (_req, res) => {
    res.status(500).json({ code: 'INTERNAL' });
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  return app.listen(0, '127.0.0.1');
}

beforeAll(async () => {
  server = startApp('info');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
});

const lineFor = (id: string) =>
  waitFor(() => lines.find((line) => line.reqId === id), { message: `the log line of ${id}` });

describe('request ids and request logs', () => {
  it('answers with the client’s sane id, or a fresh one, and logs the request under it', async () => {
    const own = await fetch(`${origin}/ok`, { headers: { 'x-request-id': 'client-id-1' } });
    expect(own.headers.get('x-request-id')).toBe('client-id-1');
    expect(await own.json()).toEqual({ id: 'client-id-1' });

    const insane = await fetch(`${origin}/ok`, { headers: { 'x-request-id': 'no spaces <>' } });
    const fresh = insane.headers.get('x-request-id') ?? '';
    expect(fresh).toMatch(/^[0-9a-f-]{36}$/);

    const line = await lineFor('client-id-1');
    expect(line).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: 'client-id-1', method: 'GET', url: '/ok' },
      res: { statusCode: 200 },
    });
    expect(line.responseTime).toBeGreaterThanOrEqual(0);
    expect(await lineFor(fresh)).toMatchObject({ req: { id: fresh } });
  });

  it('logs 4xx at warn and 5xx at error, and nothing for health checks', async () => {
    await fetch(`${origin}/healthz`, { headers: { 'x-request-id': 'health-1' } });
    await fetch(`${origin}/missing`, { headers: { 'x-request-id': 'missing-1' } });
    await fetch(`${origin}/broken`, { headers: { 'x-request-id': 'broken-1' } });
    expect((await lineFor('missing-1')).level).toBe(40);
    expect((await lineFor('broken-1')).level).toBe(50);
    // The health check finished before the two after it were logged.
    expect(lines.some((line) => line.reqId === 'health-1')).toBe(false);
  });

  it('keeps tokens out: the Authorization header and SSE connection parameters are redacted', async () => {
    await fetch(`${origin}/ok?input=1&connectionParams=%7B%22token%22%3A%22secret%22%7D`, {
      headers: { 'x-request-id': 'redact-1', authorization: 'Bearer very-secret-key' },
    });
    const line = await lineFor('redact-1');
    expect(line.req.url).toBe('/ok?input=1&connectionParams=[redacted]');
    expect(line.req.headers.authorization).toBe('[redacted]');
    expect(line.req).not.toHaveProperty('query');
    expect(JSON.stringify(line)).not.toMatch(/secret/i);
  });

  it('writes nothing for a level that is off, and still gives the id', async () => {
    const quiet = startApp('warn');
    await once(quiet, 'listening');
    try {
      const at = `http://127.0.0.1:${(quiet.address() as AddressInfo).port}`;
      const ok = await fetch(`${at}/ok`, { headers: { 'x-request-id': 'quiet-ok' } });
      expect(ok.headers.get('x-request-id')).toBe('quiet-ok');
      await fetch(`${at}/missing`, { headers: { 'x-request-id': 'quiet-missing' } });
      expect((await lineFor('quiet-missing')).level).toBe(40);
      expect(lines.some((line) => line.reqId === 'quiet-ok')).toBe(false);
    } finally {
      quiet.close();
    }
  });
});
