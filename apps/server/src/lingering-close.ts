import { type IncomingMessage, maxHeaderSize, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { TidelineError } from '@tideline/domain';

/**
 * How much of a refused request the server still reads, and for how long, before it
 * closes the connection. Closing while the client is still sending makes the kernel reset
 * the connection, and the client loses the answer it has not read yet: fetch posting a
 * few MiB got EPIPE instead of its 413. Mature servers linger (nginx's `lingering_close`,
 * Go's net/http reading on after its handler); the bound keeps a client from making the
 * server read without end.
 */
export const LINGER_MAX_BYTES = 8 * 1024 * 1024;
export const LINGER_MAX_MS = 10_000;

/**
 * Answers `error` (JSON, with its status) and `Connection: close`, then reads and discards what
 * is left of the request body — at most `LINGER_MAX_BYTES`, for at most `LINGER_MAX_MS` —
 * before closing, so the client reads the whole answer. The response carries its length,
 * so the client has it all before the connection ends; it is ended (and Node closes the
 * connection) once the body is in or a bound is reached.
 *
 * @example
 * if (tooLarge) return refuseAndLinger(req, res, new TidelineError('PAYLOAD_TOO_LARGE', '…'));
 */
export function refuseAndLinger(
  req: IncomingMessage,
  res: ServerResponse,
  error: TidelineError,
): void {
  const text = JSON.stringify(error);
  res.writeHead(error.httpStatus, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    Connection: 'close',
  });
  res.write(text);
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (req.complete || declared > LINGER_MAX_BYTES) {
    res.end();
    return;
  }
  let read = 0;
  const finish = () => {
    clearTimeout(timer);
    req.off('data', discard);
    req.off('end', finish);
    req.off('close', finish);
    if (!res.writableEnded) res.end();
  };
  const discard = (chunk: Buffer) => {
    read += chunk.length;
    if (read > LINGER_MAX_BYTES) finish();
  };
  const timer = setTimeout(finish, LINGER_MAX_MS);
  req.on('data', discard);
  req.once('end', finish);
  req.once('close', finish);
  req.resume();
}

/** What a request head Node refused gets back: status line and a JSON error body. */
function refusalOf(code: string | undefined): { status: string; body: TidelineError } {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return {
      status: '431 Request Header Fields Too Large',
      body: new TidelineError(
        'HEADERS_TOO_LARGE',
        `request line and headers: must be at most ${maxHeaderSize / 1024} KiB together (a long query string counts)`,
      ),
    };
  }
  return {
    status: '400 Bad Request',
    body: new TidelineError('VALIDATION_FAILED', 'request: not well-formed HTTP/1.1'),
  };
}

/** Sockets already answered: Node reports each further chunk of a broken request again. */
const answered = new WeakSet<Socket>();

/**
 * The server's `clientError` handler: Node calls it for a request it cannot parse (a head
 * over its 16 KiB limit — a long query string — or malformed HTTP) and by default writes
 * a bare status line and destroys the socket at once, so a client still sending its head
 * got a reset instead of the answer. This answers with a JSON body naming the limit,
 * closes the sending side, and lingers like `refuseAndLinger` before destroying it.
 *
 * @example
 * server.on('clientError', answerClientError);
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (answered.has(socket)) {
    if (socket.bytesRead > LINGER_MAX_BYTES) socket.destroy();
    return;
  }
  answered.add(socket);
  // Node's own handler answers only on a connection that has sent nothing yet, so a
  // reused keep-alive connection got a bare reset. Between requests nothing is in flight;
  // a malformed request pipelined behind one still being answered (no browser or fetch
  // pipelines) could see its 400 land inside that answer.
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    // What Node answers by itself: the client sent too little, not too much.
    socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    socket.destroySoon();
    return;
  }
  const refusal = refusalOf(error.code);
  const text = JSON.stringify(refusal.body);
  socket.end(
    `HTTP/1.1 ${refusal.status}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
  const timer = setTimeout(() => socket.destroy(), LINGER_MAX_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  // Node stops reading a socket it no longer parses: read on, so the client can finish.
  socket.on('data', () => {
    if (socket.bytesRead > LINGER_MAX_BYTES) socket.destroy();
  });
  socket.resume();
}
