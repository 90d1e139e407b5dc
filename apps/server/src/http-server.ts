import http from 'node:http';
import type { Express } from 'express';
import { MAX_BODY_BYTES } from './app.js';
import { answerClientError, LINGER_MAX_BYTES } from './lingering-close.js';

/**
 * The most request body bytes one request may make the server read, refused or not: the
 * body limit plus what a refused request may still send while the server lingers. Past
 * it the connection is cut, so no client (a chunked body without end, say) can keep the
 * server reading and discarding for ever.
 */
const MAX_READ_BYTES = MAX_BODY_BYTES + LINGER_MAX_BYTES;

/**
 * The HTTP server for an Express app: what `app.listen` makes, except that each request
 * and response is created with the app's prototypes from the start.
 *
 * Express otherwise swaps their prototypes on every request (`Object.setPrototypeOf` in
 * `app.handle`). V8 then keeps the request and response, and everything hung on them,
 * alive through young-generation GCs into the old generation: at 1,000 reads/s that
 * promoted about 13 KB a request, and the full GCs it brought on held the event loop for
 * 10–50 ms. With the prototypes already in place, Express's `setPrototypeOf` changes
 * nothing and costs nothing (the approach of expressjs/express#5998).
 *
 * The app's `request`/`response` become subclasses of Node's `IncomingMessage` and
 * `ServerResponse` that inherit the app's own prototypes, so `req.app`, `res.json` and
 * every extension made to `app.request` or `express.request` still apply. Each request
 * counts the body bytes it is given and cuts the connection past `MAX_READ_BYTES`.
 *
 * Request heads Node cannot take (over its 16 KiB, or malformed) get a JSON error and a
 * lingering close (`answerClientError`) instead of Node's bare status line and reset.
 *
 * @example
 * const server = createHttpServer(createApp(deps)).listen(3000);
 */
export function createHttpServer(app: Express): http.Server {
  class ExpressRequest extends http.IncomingMessage {
    #bodyBytes = 0;

    // Node's HTTP parser hands each piece of the body to `push`.
    override push(chunk: unknown, encoding?: BufferEncoding): boolean {
      if (chunk instanceof Uint8Array) {
        this.#bodyBytes += chunk.byteLength;
        if (this.#bodyBytes > MAX_READ_BYTES) {
          this.socket.destroy();
          return false;
        }
      }
      return super.push(chunk, encoding);
    }
  }
  class ExpressResponse<
    Request extends http.IncomingMessage = http.IncomingMessage,
  > extends http.ServerResponse<Request> {}
  Object.setPrototypeOf(ExpressRequest.prototype, app.request);
  Object.setPrototypeOf(ExpressResponse.prototype, app.response);
  app.request = ExpressRequest.prototype as unknown as Express['request'];
  app.response = ExpressResponse.prototype as unknown as Express['response'];
  const server = http.createServer(
    { IncomingMessage: ExpressRequest, ServerResponse: ExpressResponse },
    app,
  );
  server.on('clientError', answerClientError);
  return server;
}
