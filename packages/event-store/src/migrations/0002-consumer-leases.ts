import { type Kysely, sql } from 'kysely';

/**
 * Consumer leadership as a lease that expires, replacing the session advisory lock: a
 * process stopped with SIGSTOP (or cut off from the network) keeps its session, and so
 * its advisory lock, for ever; a lease it cannot renew lapses after `expires_at`.
 *
 * `token` grows by one at every takeover and fences the writes: a batch commits only if
 * the lease still carries the token its instance took over with (see consumer-lease.ts).
 * `expires_at` is always computed and compared by this server's clock, never a client's.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE consumer_leases (
      name         text PRIMARY KEY,
      owner        text NOT NULL,
      token        bigint NOT NULL CHECK (token > 0),
      expires_at   timestamptz NOT NULL,
      acquired_at  timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE consumer_leases`.execute(db);
}
