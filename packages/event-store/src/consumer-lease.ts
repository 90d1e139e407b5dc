import { type QueryExecutorProvider, sql } from 'kysely';
import type pg from 'pg';

// Every time in these statements is PostgreSQL's `clock_timestamp()`: the instances of a
// consumer run on different hosts, whose clocks need not agree, but they all ask the same
// server whether a lease has expired.

/** A lease as `status()` reports it. */
export interface LeaseState {
  owner: string;
  /** Fencing token: grows by one at every takeover. */
  token: number;
  /** False once `expires_at` has passed (by the server's clock). */
  held: boolean;
  /** Time left by the server's clock; 0 once expired. */
  expiresInMs: number;
}

/**
 * The lease was lost, or may have been: another instance may lead now. The batch in hand
 * is abandoned (its transaction rolled back) and the instance stands by. Transient, so the
 * batch code rethrows it rather than blaming, retrying or parking the events.
 */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  readonly transient = true;
}

/**
 * Takes the consumer's lease if nobody holds it or its holder's lease has expired: one
 * conditional statement, so of two instances that try at once exactly one wins. Bumps the
 * fencing token, which it returns; `undefined` when another instance holds the lease.
 *
 * @example
 * const token = await tryTakeLease(client, 'feeds', 'host:4242:ab12', 5000);
 */
export async function tryTakeLease(
  client: pg.ClientBase,
  name: string,
  owner: string,
  ttlMs: number,
): Promise<number | undefined> {
  const result = await client.query<{ token: number }>(
    `INSERT INTO consumer_leases (name, owner, token, expires_at)
     VALUES ($1, $2, 1, clock_timestamp() + $3::float8 * interval '1 millisecond')
     ON CONFLICT (name) DO UPDATE
       SET owner = EXCLUDED.owner, token = consumer_leases.token + 1,
           expires_at = EXCLUDED.expires_at, acquired_at = clock_timestamp()
       WHERE consumer_leases.expires_at <= clock_timestamp()
     RETURNING token`,
    [name, owner, ttlMs],
  );
  return result.rows[0]?.token;
}

/**
 * Extends a lease we hold by `ttlMs` from now. False when it expired or changed hands: a
 * lapsed lease is gone even if nobody took it yet, and must be taken again (new token).
 */
export async function renewLease(
  client: pg.ClientBase,
  name: string,
  token: number,
  ttlMs: number,
): Promise<boolean> {
  const result = await client.query(
    `UPDATE consumer_leases SET expires_at = clock_timestamp() + $3::float8 * interval '1 millisecond'
     WHERE name = $1 AND token = $2 AND expires_at > clock_timestamp()`,
    [name, token, ttlMs],
  );
  return result.rowCount === 1;
}

/** Expires a lease we hold now, so a standby takes over at its next poll. */
export async function releaseLease(
  client: pg.ClientBase,
  name: string,
  token: number,
): Promise<void> {
  await client.query(
    `UPDATE consumer_leases SET expires_at = clock_timestamp()
     WHERE name = $1 AND token = $2 AND expires_at > clock_timestamp()`,
    [name, token],
  );
}

/**
 * First statement of a fenced batch transaction. Bounds how long the transaction may sit
 * idle — a leader frozen mid-batch (SIGSTOP, a partition) would otherwise hold its row and
 * advisory locks for ever; PostgreSQL now ends its session, releasing them — and tells
 * whether the lease is still ours, so a stale leader does no work.
 */
export async function enterLease(
  tx: QueryExecutorProvider,
  name: string,
  token: number,
  idleTimeoutMs: number,
): Promise<boolean> {
  const result = await sql<{ held: boolean }>`
    SELECT set_config('idle_in_transaction_session_timeout', ${String(Math.ceil(idleTimeoutMs))}, true)
             IS NOT NULL
       AND EXISTS (SELECT 1 FROM consumer_leases
                   WHERE name = ${name} AND token = ${token} AND expires_at > clock_timestamp())
       AS held`.execute(tx);
  return result.rows[0]?.held === true;
}

/**
 * Last statement of a fenced batch transaction, before its commit: true if the lease is
 * still ours and unexpired. It locks the lease row (`FOR SHARE`), so no takeover can
 * commit between this check and the batch's commit: a takeover waits for it, and a
 * refused batch rolls back with its read-model writes and checkpoint.
 */
export async function confirmLease(
  tx: QueryExecutorProvider,
  name: string,
  token: number,
): Promise<boolean> {
  const result = await sql`
    SELECT 1 FROM consumer_leases
    WHERE name = ${name} AND token = ${token} AND expires_at > clock_timestamp()
    FOR SHARE`.execute(tx);
  return result.rows.length === 1;
}

/**
 * The consumer's lease, or `undefined` if no instance ever led it. The CLI's `rebuild`
 * uses it to refuse while a worker leads.
 *
 * @example
 * const lease = await readLease(db, 'feeds');
 * if (lease?.held) console.log(`${lease.owner} leads for ${lease.expiresInMs} ms more`);
 */
export async function readLease(
  executor: QueryExecutorProvider,
  name: string,
): Promise<LeaseState | undefined> {
  const result = await sql<{ owner: string; token: number; expires_in_ms: number | null }>`
    SELECT owner, token,
           CASE WHEN expires_at > clock_timestamp()
                THEN extract(epoch FROM expires_at - clock_timestamp())::float8 * 1000 END
             AS expires_in_ms
    FROM consumer_leases WHERE name = ${name}`.execute(executor);
  const row = result.rows[0];
  if (!row) return undefined;
  const expiresInMs = Math.max(0, Math.round(row.expires_in_ms ?? 0));
  return { owner: row.owner, token: row.token, held: row.expires_in_ms !== null, expiresInMs };
}
