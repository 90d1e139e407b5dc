import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';

// BIGINT (int8) comes back as a string by default; positions and versions stay below 2^53,
// so parse them as numbers once, here, for every pool this package creates.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

export interface CreateDatabaseOptions {
  connectionString: string;
  /** Pool size; PostgreSQL's own default of 100 connections is shared by every process. */
  max?: number;
  /**
   * How long a query waits for a connection before failing (ms); default 5000. Bounded, so
   * an unreachable PostgreSQL fails requests quickly instead of queueing them.
   */
  connectionTimeoutMillis?: number;
  /** Tag connections in `pg_stat_activity`, e.g. `tideline-worker`. */
  applicationName?: string;
}

/**
 * Opens a Kysely instance over a `pg` pool.
 *
 * @example
 * const db = createDatabase({ connectionString: 'postgres://127.0.0.1/tideline' });
 */
export function createDatabase<T = unknown>(options: CreateDatabaseOptions): Kysely<T> {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5000,
    application_name: options.applicationName ?? 'tideline',
  });
  // An idle client losing its connection (PostgreSQL restart) must not crash the process;
  // the pool drops it and the next query opens a fresh one.
  pool.on('error', () => {});
  // The pool listens for errors only on idle clients. A session PostgreSQL ends while its
  // client is checked out between two queries — the idle-in-transaction timeout that ends
  // a stalled consumer's batch (consumer-lease.ts), pg_terminate_backend — would be an
  // unhandled 'error' event that kills the process. Ignored here, it surfaces instead as
  // the failure of the client's next query (a transient error), and the pool drops the
  // client when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  return new Kysely<T>({ dialect: new PostgresDialect({ pool }) });
}
