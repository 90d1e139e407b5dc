import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { type LevelWithSilent, type Logger, stdSerializers } from 'pino';

/** Health, readiness and metrics are polled: no line for them. */
const QUIET = /^\/(healthz|readyz|metrics)(\?|$)/;

/** A request id a client may choose; anything else gets a fresh one. */
const SANE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * Request ids and request logs. Every request gets an id — the client's `X-Request-Id` when
 * it is sane, else a fresh UUID — sent back as `X-Request-Id` and kept as `req.id` (the
 * tRPC context takes it from there). When the response ends or the client goes away, one
 * JSON line says how it went: `info` below 400, `warn` below 500, `error` from 500 or on a
 * stream error, with pino's standard `req` and `res` shapes and `responseTime` in ms. The
 * `Authorization` header and tokens sent as SSE `connectionParams` are redacted, so API
 * keys and user tokens stay out of the logs. Nothing is built for a line whose level is
 * off: pino-http, used before, made a serialized child logger for every request whatever
 * the level, and at 1,000 reads/s that garbage alone added several ms to the REST read's
 * p99 (bench/NOTES.md, "Run C").
 *
 * @example
 * app.use(requestLog(logger));
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', id);
    (req as IncomingMessage & { id?: string }).id = id;
    if (!QUIET.test(req.url)) {
      const started = performance.now();
      let logged = false;
      const done = (error?: Error) => {
        if (logged) return;
        logged = true;
        write(logger, req, res, id, performance.now() - started, error);
      };
      res.once('finish', () => done());
      res.once('close', () => done());
      res.once('error', done);
    }
    next();
  };
}

function write(
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  elapsedMs: number,
  error: Error | undefined,
): void {
  const level: LevelWithSilent =
    error !== undefined || res.statusCode >= 500
      ? 'error'
      : res.statusCode >= 400
        ? 'warn'
        : 'info';
  if (!logger.isLevelEnabled(level)) return;
  // The URL carries the query; the parsed copies of it (`query`, `params`) would carry a
  // token sent as a connection parameter unredacted.
  const { query: _query, params: _params, ...request } = stdSerializers.req(req);
  const { authorization, ...headers } = request.headers;
  const line = {
    reqId: id,
    req: {
      ...request,
      url: request.url.replace(/connectionParams=[^&]*/, 'connectionParams=[redacted]'),
      headers: authorization === undefined ? headers : { ...headers, authorization: '[redacted]' },
    },
    res: stdSerializers.res(res),
    responseTime: Math.round(elapsedMs * 1000) / 1000,
    ...(error === undefined ? {} : { err: error }),
  };
  const message =
    error !== undefined
      ? 'request errored'
      : res.writableEnded
        ? 'request completed'
        : 'request aborted';
  logger[level](line, message);
}
