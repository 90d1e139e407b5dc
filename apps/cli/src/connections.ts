import { createDatabase } from '@tideline/event-store';
import { ensureDatabase as ensureOnServer } from '@tideline/local-stack';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';

/**
 * A Redis client that fails fast instead of retrying forever: a CLI should report an
 * unreachable server, not hang on it.
 */
export function connectRedis(url: string): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    connectionName: 'tideline-cli',
  });
  redis.on('error', () => {});
  return redis;
}

/** A small pool for one CLI command. */
export function connectDatabase(url: string): Kysely<unknown> {
  return createDatabase<unknown>({
    connectionString: url,
    max: 4,
    applicationName: 'tideline-cli',
  });
}

/** Closes both, ignoring errors: called on the way out, when one may already be gone. */
export async function closeAll(db: Kysely<unknown>, redis: Redis): Promise<void> {
  redis.disconnect();
  await db.destroy().catch(() => {});
}

/**
 * Creates the database `url` names, via the server's `postgres` database, unless it
 * exists (the launcher's `ensureDatabase`, from @tideline/local-stack; two racing inits are
 * fine).
 */
export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.slice(1));
  if (!database) return false;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  return ensureOnServer(admin.toString(), database);
}
