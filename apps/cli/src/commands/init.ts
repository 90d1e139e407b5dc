import { eventStoreMigrations, migrateToLatest } from '@tideline/event-store';
import { feedMigrations } from '@tideline/feeds';
import type { Redis } from 'ioredis';
import { closeAll, connectDatabase, connectRedis, ensureDatabase } from '../connections.js';
import type { Target } from '../env.js';
import type { Output } from '../output.js';
import { configGet, missingKeyspaceFlags, readRedisConf, runtimeSettings } from '../redis-conf.js';
import { seedSocialGraph } from './sample-source.js';

/**
 * Brings a stack up to what the service needs: creates the database if missing, applies
 * the migrations, applies infra/redis.conf's runtime settings with CONFIG SET and reads
 * them back, and adds a small sample social graph. Idempotent: run it again and nothing
 * changes.
 *
 * @example
 * await init(target, output);
 */
export async function init(target: Target, output: Output, options: { sample?: boolean } = {}) {
  if (await ensureDatabase(target.databaseUrl)) output.line('postgres: created the database');
  const db = connectDatabase(target.databaseUrl);
  const redis = connectRedis(target.redisUrl);
  try {
    const { applied } = await migrateToLatest(db, feedMigrations);
    const total = Object.keys({ ...eventStoreMigrations, ...feedMigrations }).length;
    output.line(
      applied.length > 0
        ? `postgres: applied ${applied.join(', ')}`
        : `postgres: all ${total} migrations already applied`,
    );
    await applyRedisSettings(redis, output);
    if (options.sample !== false) {
      const seeded = await seedSocialGraph(db, { users: 3, prefix: 'sample' }, output);
      output.line(
        `sample: users sample-1..3 (${seeded.activities} new activities, ${seeded.follows} new follows)`,
      );
    }
  } finally {
    await closeAll(db, redis);
  }
}

/**
 * CONFIG SET of each runtime-settable directive of infra/redis.conf, then CONFIG GET to
 * verify. Keyspace flags already set are kept (other clients may rely on them); only the
 * missing ones are added.
 */
export async function applyRedisSettings(redis: Redis, output: Output): Promise<void> {
  const conf = await readRedisConf();
  for (const setting of runtimeSettings) {
    const wanted = conf.get(setting);
    if (wanted === undefined) continue;
    const before = await configGet(redis, setting);
    let value = wanted;
    if (setting === 'notify-keyspace-events') {
      const missing = missingKeyspaceFlags(before, wanted);
      if (!missing) {
        output.line(`redis: ${setting} "${before}" already includes "${wanted}"`);
        continue;
      }
      value = before + missing;
    }
    await redis.config('SET', setting, value);
    const after = await configGet(redis, setting);
    if (!matches(setting, after, wanted)) {
      throw new Error(
        `redis: CONFIG SET ${setting} ${value} did not stick (reads back "${after}"); set it in the server's redis.conf`,
      );
    }
    output.line(`redis: ${setting} = ${after}${before === after ? ' (unchanged)' : ''}`);
  }
}

/** Whether a value read back is what redis.conf asks for (Redis normalizes sizes and flags). */
function matches(setting: string, actual: string, wanted: string): boolean {
  if (setting === 'notify-keyspace-events') return missingKeyspaceFlags(actual, wanted) === '';
  if (setting === 'maxmemory') return actual === String(parseBytes(wanted));
  if (setting === 'client-output-buffer-limit') {
    const [cls, ...limits] = wanted.split(/\s+/);
    const normal = [cls, ...limits.map((l, i) => (i < 2 ? String(parseBytes(l)) : l))].join(' ');
    return ` ${actual} `.includes(` ${normal} `);
  }
  return actual === wanted;
}

function parseBytes(text: string): number {
  const match = /^(\d+)(b|k|kb|m|mb|g|gb)?$/i.exec(text.trim());
  if (!match?.[1]) return Number.NaN;
  const units: Record<string, number> = {
    b: 1,
    k: 1000,
    kb: 1024,
    m: 1_000_000,
    mb: 1024 * 1024,
    g: 1_000_000_000,
    gb: 1024 * 1024 * 1024,
  };
  return Number(match[1]) * (units[(match[2] ?? 'b').toLowerCase()] ?? 1);
}
