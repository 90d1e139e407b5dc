import pg from 'pg';
import { describeError } from './local-stack-error.js';

export type ProbeResult = { ok: true } | { ok: false; reason: string };

/** Connects once and runs `select 1`; never throws. */
export async function probePostgres(
  connectionString: string,
  timeoutMs = 2_000,
): Promise<ProbeResult> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: describeError(error) };
  } finally {
    await client.end().catch(() => {});
  }
}

/** The same server, another database: `postgres://h/postgres` → `postgres://h/tideline`. */
export function withDatabase(connectionString: string, database: string): string {
  const url = new URL(connectionString);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}
