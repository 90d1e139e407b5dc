import { once } from 'node:events';
import { redactUrl } from '@tideline/local-stack';
import type { Logger } from 'pino';
import { applyMigrations } from './apply-migrations.js';
import { ensureDemoData } from './demo-data.js';
import { childProcessEnv, type LauncherEnv } from './env.js';
import { localApiKey, localJwtSecret } from './local-api-key.js';
import { resolveLocalStack } from './resolve-local-stack.js';
import { entryPoint, type SupervisedChild, superviseChild } from './supervisor/supervise-child.js';

/** How long a child may take to drain before it is killed. */
const CHILD_STOP_TIMEOUT_MS = 10_000;

/**
 * Runs the whole service until `signal` aborts: resolves PostgreSQL and Redis, applies
 * migrations, supervises one API server and `WORKERS` workers, then stops the children and
 * whatever it started. Resolves after a clean shutdown; rejects when start-up fails.
 */
export async function runLauncher(
  env: LauncherEnv,
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  const stack = await resolveLocalStack(env, logger);
  const children: SupervisedChild[] = [];
  try {
    if (signal.aborted) return;
    await applyMigrations(stack.postgres.url, logger);
    if (signal.aborted) return;

    const shared = {
      DATABASE_URL: stack.postgres.url,
      REDIS_URL: stack.redis.url,
      LOG_LEVEL: env.LOG_LEVEL,
    };
    const auth: Record<string, string> = {};
    if (env.API_KEYS === undefined && env.JWT_SECRET === undefined) {
      const local = await localApiKey(env.TIDELINE_DATA_DIR);
      auth.API_KEYS = local.key;
      logger.info(
        { file: local.file, created: local.created },
        `no API_KEYS set: this run accepts the local API key ${local.key} (Authorization: Bearer ${local.key})`,
      );
    }
    if (env.DEMO) {
      if (env.JWT_SECRET === undefined) {
        const local = await localJwtSecret(env.TIDELINE_DATA_DIR);
        auth.JWT_SECRET = local.key;
        logger.info(
          { file: local.file, created: local.created },
          'DEMO=1: demo tokens are signed with the local JWT secret',
        );
      }
      await ensureDemoData(stack.postgres.url, logger);
      if (signal.aborted) return;
    }
    children.push(
      superviseChild(
        {
          name: 'server',
          file: entryPoint('@tideline/server/main'),
          env: childProcessEnv({ ...shared, ...auth, PORT: String(env.PORT) }),
        },
        logger,
      ),
    );
    for (let id = 1; id <= env.WORKERS; id++) {
      children.push(
        superviseChild(
          {
            name: `worker-${id}`,
            file: entryPoint('@tideline/worker/main'),
            env: childProcessEnv({ ...shared, WORKER_ID: String(id) }),
          },
          logger,
        ),
      );
    }
    logger.info(
      {
        port: env.PORT,
        workers: env.WORKERS,
        postgres: { url: redactUrl(stack.postgres.url), source: stack.postgres.source },
        redis: { url: redactUrl(stack.redis.url), source: stack.redis.source },
      },
      'tideline is starting',
    );
    if (env.DEMO) logger.info(`DEMO=1: open the demo app at http://localhost:${env.PORT}/`);
    if (!signal.aborted) await once(signal, 'abort');
  } finally {
    await Promise.all(children.map((child) => child.stop(CHILD_STOP_TIMEOUT_MS)));
    await stack.stop();
  }
}
