import type { EventStoreTables } from '@tideline/event-store';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { checkReadiness } from './readiness.js';

export interface AppDependencies {
  db: Kysely<EventStoreTables>;
  redis: Redis;
  logger: Logger;
}

/**
 * The HTTP application, built from injected connections so tests can run it against any
 * PostgreSQL and Redis.
 *
 * @example
 * const app = createApp({ db, redis, logger });
 * app.listen(3000);
 */
export function createApp({ db, redis, logger }: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');

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

  app.use((req, res) => {
    res.status(404).json({ code: 'NOT_FOUND', message: `no route for ${req.method} ${req.path}` });
  });

  const onError: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    logger.error({ err: error }, 'request failed');
    res.status(500).json({ code: 'INTERNAL', message: 'internal error' });
  };
  app.use(onError);
  return app;
}
