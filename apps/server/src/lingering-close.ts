import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TidelineError } from '@tideline/domain';

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
