import type { Logger } from 'pino';
import { ensureDatabase } from './ensure-database.js';
import { LocalStackError } from './local-stack-error.js';
import { probePostgres, withDatabase } from './probe-postgres.js';
import { redactUrl } from './redact-url.js';
import { notStartedByUs, type RunningService } from './running-service.js';
import { embeddedPostgresUrl, startEmbeddedPostgres } from './start-embedded-postgres.js';

export const LOCAL_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface ResolvePostgresOptions {
  /** `DATABASE_URL`: when set, used as is and never replaced by a fallback. */
  databaseUrl?: string | undefined;
  /** A server to try before starting one; its `postgres` database is used to create ours. */
  localUrl?: string;
  /** The database to create and use on the local or embedded server. */
  database?: string;
  /** The embedded cluster's data folder, e.g. `<TIDELINE_DATA_DIR>/postgres`. */
  embeddedDataDir: string;
  embeddedPort: number;
  logger: Logger;
}

/**
 * Finds a PostgreSQL to use: `databaseUrl` if given (it must answer), else the local
 * server, else an embedded one started from `embeddedDataDir` (stopped by `stop()`).
 *
 * @example
 * const postgres = await resolvePostgres({ embeddedDataDir: '.data/postgres', embeddedPort: 54329, logger });
 */
export async function resolvePostgres(options: ResolvePostgresOptions): Promise<RunningService> {
  const { logger, database = 'tideline' } = options;
  if (options.databaseUrl) {
    const probe = await probePostgres(options.databaseUrl);
    if (!probe.ok) {
      throw new LocalStackError(
        `PostgreSQL at DATABASE_URL (${redactUrl(options.databaseUrl)}) is unreachable: ${probe.reason}; start it or fix DATABASE_URL`,
      );
    }
    logger.info({ url: redactUrl(options.databaseUrl) }, 'using PostgreSQL from DATABASE_URL');
    return { url: options.databaseUrl, source: 'configured', stop: notStartedByUs };
  }

  const localUrl = options.localUrl ?? LOCAL_POSTGRES_URL;
  const local = await probePostgres(localUrl);
  if (local.ok) {
    const created = await ensureDatabase(localUrl, database);
    const url = withDatabase(localUrl, database);
    logger.info({ url: redactUrl(url), created }, 'using the local PostgreSQL');
    return { url, source: 'local', stop: notStartedByUs };
  }
  logger.info({ url: redactUrl(localUrl), reason: local.reason }, 'no usable local PostgreSQL');

  const embedded = {
    dataDir: options.embeddedDataDir,
    port: options.embeddedPort,
    database,
    logger,
  };
  // A cluster already answering on the embedded port was left by an earlier run that was
  // killed; starting another on the same data folder would fail on its lock file.
  const leftOver = embeddedPostgresUrl(embedded.port, 'postgres');
  if ((await probePostgres(leftOver, 1_000)).ok) {
    await ensureDatabase(leftOver, database);
    const url = withDatabase(leftOver, database);
    logger.warn(
      { url: redactUrl(url) },
      'reusing an embedded PostgreSQL left running by an earlier run',
    );
    return { url, source: 'reused', stop: notStartedByUs };
  }
  logger.info({ dataDir: embedded.dataDir, port: embedded.port }, 'starting embedded PostgreSQL');
  const started = await startEmbeddedPostgres(embedded);
  logger.info({ url: redactUrl(started.url) }, 'embedded PostgreSQL is ready');
  return started;
}
