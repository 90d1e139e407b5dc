import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_API_KEY, type TestServer } from './testing/test-server.js';

/*
 * Requests the server refuses before reading them whole: every client must still read the
 * answer. Closing a connection while the client is still sending makes the kernel reset
 * it, and the client then loses the response it was about to read (RFC 9112 §9.6).
 */

const MiB = 1024 * 1024;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer('oversized_requests');
});
afterAll(() => server?.close());

interface RawReply {
  /** Everything the server sent before the connection ended. */
  text: string;
  /** How the connection ended: the server closed it, or reset it (e.g. ECONNRESET, EPIPE). */
  error?: string;
  /** Body bytes the socket took before it closed. */
  sent: number;
}

/**
 * Sends `head` and then `bodyBytes` of body through a raw socket, `chunkBytes` at a time,
 * waiting `pauseMs` between chunks, and collects what comes back until the server closes.
 */
function rawRequest(
  head: string,
  bodyBytes: number,
  options: { chunkBytes?: number; pauseMs?: number; chunked?: boolean } = {},
): Promise<RawReply> {
  const { chunkBytes = 64 * 1024, pauseMs = 0, chunked = false } = options;
  return new Promise((resolve) => {
    const socket: Socket = connect(Number(new URL(server.url).port), '127.0.0.1');
    let text = '';
    let error: string | undefined;
    let sent = 0;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    socket.on('close', () => resolve({ text, sent, ...(error === undefined ? {} : { error }) }));
    void (async () => {
      socket.write(head);
      const chunk = Buffer.alloc(chunkBytes, 'x');
      while (sent < bodyBytes && socket.writable) {
        const data = chunk.subarray(0, Math.min(chunkBytes, bodyBytes - sent));
        sent += data.length;
        const piece = chunked
          ? Buffer.concat([
              Buffer.from(`${data.length.toString(16)}\r\n`),
              data,
              Buffer.from('\r\n'),
            ])
          : data;
        if (!socket.write(piece)) {
          await new Promise((drained) => {
            socket.once('drain', drained);
            socket.once('close', drained);
          });
        }
        if (pauseMs > 0) await sleep(pauseMs);
      }
    })();
  });
}

function postHead(contentLength: number | 'chunked', path = '/api/v1/feeds/user/ana/activities') {
  return [
    `POST ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    `Authorization: Bearer ${TEST_API_KEY}`,
    'Content-Type: application/json',
    contentLength === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${contentLength}`,
    '',
    '',
  ].join('\r\n');
}

function expectJson413(text: string) {
  expect(text).toMatch(/^HTTP\/1\.1 413 /);
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  expect(JSON.parse(body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
}

describe('a body over 1 MiB', () => {
  it.each([2, 4, 8])(
    'fetch posting %i MiB reads the 413 and its JSON body, 4 times of 4',
    async (size) => {
      const body = new Uint8Array(size * MiB).fill(0x78);
      for (let attempt = 0; attempt < 4; attempt++) {
        const response = await server.request('/api/v1/feeds/user/ana/activities', {
          method: 'POST',
          body,
        });
        expect(response.status).toBe(413);
        expect(await response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      }
    },
  );

  it.each([2, 4, 8])(
    'a raw socket sending %i MiB reads the whole 413, then the server closes',
    async (size) => {
      const reply = await rawRequest(postHead(size * MiB), size * MiB);
      expect(reply.error).toBeUndefined();
      expectJson413(reply.text);
    },
  );

  it('a slow sender reads the 413 too', async () => {
    const reply = await rawRequest(postHead(2 * MiB), 2 * MiB, {
      chunkBytes: 128 * 1024,
      pauseMs: 100,
    });
    expect(reply.error).toBeUndefined();
    expect(reply.sent).toBe(2 * MiB);
    expectJson413(reply.text);
  });

  it('a client that keeps sending past the drain bound is cut off', async () => {
    const started = Date.now();
    const reply = await rawRequest(postHead(1024 * MiB), 1024 * MiB);
    // Cut off long before a gigabyte went through, whether the 413 made it or not.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(reply.sent).toBeLessThan(64 * MiB);
    expect(reply.text === '' || reply.text.startsWith('HTTP/1.1 413 ')).toBe(true);
  });
});

describe('a chunked body without end', () => {
  it.each(['/api/v1/feeds/user/ana/activities', '/trpc/feeds.add'])(
    'to %s is cut off after a bounded read',
    async (path) => {
      const started = Date.now();
      const reply = await rawRequest(postHead('chunked', path), 1024 * MiB, { chunked: true });
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(reply.sent).toBeLessThan(64 * MiB);
    },
  );
});

describe('a request head over the limit', () => {
  const longQuery = `?${'q='.padEnd(70 * 1024, 'x')}`;

  it('fetch with a 70 KB query string reads a 431 naming the limit', async () => {
    const response = await server.request(`/api/v1/feeds/user/ana/activities${longQuery}`);
    expect(response.status).toBe(431);
    expect(await response.json()).toMatchObject({
      code: 'HEADERS_TOO_LARGE',
      message: expect.stringMatching(/16 KiB/),
    });
  });

  it('a raw socket sending it reads the whole 431, then the server closes', async () => {
    const head = `GET /api/v1/events${longQuery} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    const reply = await rawRequest(head, 0);
    expect(reply.error).toBeUndefined();
    expect(reply.text).toMatch(/^HTTP\/1\.1 431 /);
    const body = reply.text.slice(reply.text.indexOf('\r\n\r\n') + 4);
    expect(JSON.parse(body)).toMatchObject({ code: 'HEADERS_TOO_LARGE' });
  });
});
