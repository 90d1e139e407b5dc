import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import {
  type ApiContext,
  type ApiDeps,
  appRouter,
  openApiDocument,
  toTidelineError,
} from '@tideline/api';
import { isTidelineError, TidelineError } from '@tideline/domain';
import type { EventStoreTables } from '@tideline/event-store';
import type { TRPCError } from '@trpc/server';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import cors from 'cors';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { createOpenApiExpressMiddleware } from 'trpc-to-openapi';
import { DRAINING } from './close-http-server.js';
import { decodeEncodedBodies, refuseUnsupportedEncodings } from './content-encoding.js';
import { demoRouter } from './demo/demo-routes.js';
import { docsRouter } from './docs.js';
import { feedStreamHandler } from './feed-stream.js';
import { jsonBodies, jsonBodyErrors } from './json-body.js';
import { refuseAndLinger } from './lingering-close.js';
import { refuseMalformedPaths, refuseMalformedTrpcInput } from './malformed-urls.js';
import { methodNotAllowed } from './method-not-allowed.js';
import type { createMetrics } from './metrics.js';
import { checkReadiness } from './readiness.js';
import { requestLog } from './request-log.js';
import { restErrorBodies } from './rest-errors.js';
import { webAppRouter } from './web-app.js';

/** docs/product.md §5: request bodies over 1 MiB are refused with 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface AppDependencies {
  db: Kysely<EventStoreTables>;
  redis: Redis;
  logger: Logger;
  api: ApiDeps;
  metrics: ReturnType<typeof createMetrics>;
  /** Origins allowed to call the API from a browser; empty = same origin only. */
  corsOrigins: readonly string[];
  /** The built demo web app served at `/` (apps/web/dist); omitted: none. */
  webAppDir?: string | undefined;
  /** `DEMO=1`: `/demo` lists demo users and mints their tokens. Omitted: `/demo` is a 404. */
  demo?: { jwtSecret: string } | undefined;
  /** Seconds between keep-alive comments on event streams; default 15. */
  keepAliveSeconds?: number;
}

/**
 * The HTTP application, built from injected dependencies so tests can run it against any
 * PostgreSQL and Redis: tRPC at `/trpc` (batched), the generated REST API under
 * `/api/v1`, its OpenAPI document and docs page, health, readiness and metrics; with
 * `webAppDir`, the demo web app at `/`, and with `demo`, its token route under `/demo`.
 *
 * @example
 * const app = createApp({ db, redis, logger, api, metrics, corsOrigins: [] });
 * app.listen(3000);
 */
export function createApp(deps: AppDependencies): Express {
  const { db, redis, logger, api, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);

  app.use(requestLog(logger));
  // Aborted when the HTTP server starts draining (`closeHttpServer`): live streams and
  // subscriptions end at once and their clients resume elsewhere. The server is known
  // from the first request.
  const closing = new AbortController();
  app.use((req, _res, next) => {
    const server = (req.socket as { server?: EventEmitter }).server;
    if (server !== undefined && server.listenerCount(DRAINING) === 0) {
      server.once(DRAINING, () => closing.abort());
    }
    next();
  });
  app.use(metrics.observe);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          upgradeInsecureRequests: null,
          // The web app's subscriptions: same-origin WebSockets, which older browsers do
          // not count as 'self'.
          connectSrc: ["'self'", sameOriginWebSockets],
        },
      },
    }),
  );
  app.use(
    cors({
      origin: deps.corsOrigins.length === 0 ? false : [...deps.corsOrigins],
      exposedHeaders: ['Retry-After', 'X-Request-Id'],
      maxAge: 600,
    }),
  );
  app.use(refuseLargeBodies, refuseUnsupportedEncodings, refuseMalformedPaths);

  // Liveness: answers while the process runs, whatever its dependencies do.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Readiness: whether this process can serve requests now.
  app.get('/readyz', async (_req, res) => {
    const { ready, checks } = await checkReadiness({ db, redis });
    if (ready) {
      res.json({ status: 'ok', checks });
      return;
    }
    const down = Object.entries(checks)
      .filter(([, result]) => result !== 'ok')
      .map(([name]) => (name === 'postgres' ? 'PostgreSQL' : 'Redis'));
    logger.warn({ checks }, 'not ready');
    res.status(503).json({
      code: 'SERVICE_UNAVAILABLE',
      message: `${down.join(' and ')} unreachable`,
      checks,
    });
  });

  app.get('/metrics', async (_req, res) => {
    try {
      const { contentType, body } = await metrics.handler();
      res.type(contentType).send(body);
    } catch (error) {
      logger.warn({ err: error }, 'metrics unavailable');
      res.status(503).json(unavailable().toJSON());
    }
  });

  const document = openApiDocument('/api/v1');
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use('/docs', docsRouter());

  const createContext = ({
    req,
    info,
  }: {
    req: IncomingMessage;
    info?: { connectionParams: Record<string, string | undefined> | null };
  }): ApiContext => {
    return {
      deps: api,
      closing: closing.signal,
      // A browser's EventSource cannot send headers: its token comes as a connection parameter.
      authorization:
        req.headers.authorization ??
        (info?.connectionParams?.token ? `Bearer ${info.connectionParams.token}` : undefined),
      // The socket's peer, as `req.ip` is with 'trust proxy' off.
      clientAddress: req.socket.remoteAddress,
      requestId: String((req as IncomingMessage & { id?: unknown }).id ?? randomUUID()),
    };
  };
  const onError = ({
    error,
    path,
    ctx,
  }: {
    error: TRPCError;
    path?: string | undefined;
    ctx?: ApiContext | undefined;
  }) => {
    // Only bugs get an error line with a stack. Whatever a client did wrong — including
    // what tRPC and the REST adapter refuse on their own (unknown path or procedure,
    // wrong method, media type or JSON), which reach here as causeless TRPCErrors — is
    // the request line's business, at warn; and an outage's 503 says all it knows there.
    if (toTidelineError(error).code !== 'INTERNAL') return;
    const failure = error.cause;
    logger.error(
      { err: failure?.cause ?? failure ?? error, procedure: path, reqId: ctx?.requestId },
      'request failed',
    );
  };

  app.use(
    '/trpc',
    refuseMalformedTrpcInput,
    decodeEncodedBodies(MAX_BODY_BYTES),
    jsonBodyErrors,
    createExpressMiddleware({
      router: appRouter,
      createContext,
      onError,
      maxBodySize: MAX_BODY_BYTES,
      // One HTTP request carries at most 100 calls; each still counts against the limit.
      maxBatchSize: 100,
      responseMeta: ({ errors }) => ({ headers: retryAfter(errors) }),
    }),
  );
  // Hand-written (the REST generator has no subscriptions), through the same procedure.
  app.get(
    '/api/v1/feeds/:group/:id/stream',
    feedStreamHandler({
      api,
      logger,
      keepAliveSeconds: deps.keepAliveSeconds ?? 15,
      closing: closing.signal,
    }),
  );
  app.use(
    '/api/v1',
    methodNotAllowed(document),
    restErrorBodies,
    ...jsonBodies(MAX_BODY_BYTES),
    jsonBodyErrors,
    createOpenApiExpressMiddleware({
      router: appRouter,
      createContext,
      onError,
      maxBodySize: MAX_BODY_BYTES,
      responseMeta: ({ errors, paths }) =>
        errors.length > 0
          ? { headers: retryAfter(errors) }
          : paths?.[0] === 'feeds.add'
            ? { status: 201 }
            : {},
    }),
  );

  if (deps.demo !== undefined) app.use('/demo', demoRouter(deps.demo));
  if (deps.webAppDir !== undefined) app.use(webAppRouter(deps.webAppDir));

  app.use((req, res) => {
    res.status(404).json(new TidelineError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
  });

  const onUnhandled: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    logger.error({ err: error }, 'request failed');
    res.status(500).json(new TidelineError('INTERNAL', 'internal error'));
  };
  app.use(onUnhandled);
  return app;
}

/** `ws://<host> wss://<host>` for the host the page was loaded from. */
function sameOriginWebSockets(req: IncomingMessage): string {
  const host = req.headers.host ?? '';
  return /^[A-Za-z0-9.:[\]-]+$/.test(host) ? `ws://${host} wss://${host}` : "'self'";
}

/**
 * A declared body over the limit is refused before a byte of it is read; the client may
 * still be sending it, so the connection lingers until it is done (`refuseAndLinger`).
 */
const refuseLargeBodies: RequestHandler = (req, res, next) => {
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > MAX_BODY_BYTES) {
    const error = new TidelineError('PAYLOAD_TOO_LARGE', 'request body: must be at most 1 MiB');
    refuseAndLinger(req, res, error);
    return;
  }
  next();
};

function retryAfter(errors: readonly TRPCError[]): Record<string, string> {
  for (const error of errors) {
    const seconds = isTidelineError(error.cause)
      ? error.cause.details?.retryAfterSeconds
      : undefined;
    if (typeof seconds === 'number') return { 'Retry-After': String(seconds) };
  }
  return {};
}

function unavailable(): TidelineError {
  return new TidelineError('SERVICE_UNAVAILABLE', 'PostgreSQL or Redis is unreachable');
}
