import { randomUUID } from 'node:crypto';
import { type ApiDeps, appRouter, createCallerFactory, toTidelineError } from '@tideline/api';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

const createCaller = createCallerFactory(appRouter);

export interface FeedStreamOptions {
  api: ApiDeps;
  logger: Logger;
  /** Seconds between keep-alive comments (`WATCH_KEEPALIVE_SECONDS`). */
  keepAliveSeconds: number;
  /** Aborted when the server starts draining: every stream ends at once. */
  closing?: AbortSignal;
}

/**
 * `GET /api/v1/feeds/{group}/{id}/stream`: the `feeds.watch` subscription as a plain
 * Server-Sent-Events stream for REST partners. It calls the procedure itself, so auth,
 * validation, rate limits and error codes are the tRPC API's; errors before the stream
 * starts are the usual JSON bodies with their statuses. Each message is one event whose
 * `id:` is its position, so `EventSource` resumes by itself (`Last-Event-ID`; the
 * `lastEventId` query parameter does the same for clients that cannot set headers). A
 * comment line every `keepAliveSeconds` keeps proxies from closing a quiet stream. A
 * client that stops reading gets no more than the socket buffers plus the watch's bounded
 * queue; then the stream ends with an `error` event and it resumes from its last id. When
 * `closing` aborts (the server is draining), every stream ends at once.
 *
 * @example
 * app.get('/api/v1/feeds/:group/:id/stream', feedStreamHandler({ api, logger, keepAliveSeconds: 15 }));
 */
export function feedStreamHandler(options: FeedStreamOptions): RequestHandler {
  const { api, logger } = options;
  /** How to end each open stream when the server starts draining. */
  const open = new Set<() => void>();
  options.closing?.addEventListener('abort', () => {
    for (const drain of open) drain();
  });
  return async (req, res) => {
    const controller = new AbortController();
    res.on('close', () => controller.abort());
    // A draining server ends its streams at once; clients resume on another process.
    const drain = () => {
      if (res.headersSent && !res.writableEnded) res.write(': server shutting down\n\n');
      controller.abort();
    };
    if (options.closing?.aborted) drain();
    open.add(drain);
    res.on('close', () => open.delete(drain));
    const header = req.headers['last-event-id'];
    const query = req.query.lastEventId;
    const lastEventId =
      typeof header === 'string' && header !== ''
        ? header
        : typeof query === 'string'
          ? query
          : undefined;
    const unknownParams = Object.keys(req.query).filter((name) => name !== 'lastEventId');
    const caller = createCaller(
      {
        deps: api,
        authorization: req.headers.authorization,
        clientAddress: req.socket.remoteAddress,
        requestId: String((req as { id?: unknown }).id ?? randomUUID()),
      },
      { signal: controller.signal },
    );
    let keepAlive: NodeJS.Timeout | undefined;
    try {
      const messages = await caller.feeds.watch({
        group: String(req.params.group),
        id: String(req.params.id),
        ...(lastEventId === undefined ? {} : { lastEventId }),
        // Unknown query parameters are refused like everywhere else (strict input).
        ...Object.fromEntries(unknownParams.map((name) => [name, req.query[name]])),
      });
      const iterator = messages[Symbol.asyncIterator]();
      // The procedure authorizes when first pulled: no 200 before its answer.
      let next = await iterator.next();
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.write('retry: 1000\n\n');
      keepAlive = setInterval(() => res.write(': keep-alive\n\n'), options.keepAliveSeconds * 1000);
      while (!next.done && !controller.signal.aborted) {
        const message = unwrap(next.value);
        if (!res.write(`id: ${message.id}\ndata: ${JSON.stringify(message)}\n\n`)) {
          // Backpressure: take nothing more from the watch until the socket drains;
          // its queue fills meanwhile and, past its bound, ends the stream.
          await new Promise<void>((resolve) => {
            const done = () => {
              res.off('drain', done);
              res.off('close', done);
              resolve();
            };
            res.on('drain', done);
            res.on('close', done);
          });
        }
        next = await iterator.next();
      }
      await iterator.return?.();
    } catch (error) {
      const failure = toTidelineError(error);
      if (failure.code === 'INTERNAL')
        logger.error({ err: failure.cause ?? error }, 'stream failed');
      if (!res.headersSent) {
        const retryAfter = failure.details?.retryAfterSeconds;
        if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
        res.status(failure.httpStatus).json(failure);
      } else if (!res.writableEnded) {
        res.write(`event: error\ndata: ${JSON.stringify(failure)}\n\n`);
      }
    } finally {
      clearInterval(keepAlive);
      if (!res.writableEnded) res.end();
    }
  };
}

/** `tracked()` envelopes reach an in-process caller as `[id, data, symbol]`; typed as `{ id, data }`. */
function unwrap<T>(value: { id: string; data: T }): T {
  return Array.isArray(value) ? (value[1] as T) : value.data;
}
