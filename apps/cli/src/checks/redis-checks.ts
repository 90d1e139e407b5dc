import { persistenceWarning, readRedisPersistence } from '@tideline/local-stack';
import { configGet, missingKeyspaceFlags } from '../redis-conf.js';
import { type Check, fail, ok, warn } from './check.js';

/** Redis answers PING. */
export const redisReachable: Check = {
  name: 'redis: reachable',
  async run({ redis }) {
    const reply = await redis.ping();
    return reply === 'PONG'
      ? ok(this.name, 'PING answered')
      : fail(this.name, `PING answered ${reply}; check REDIS_URL`);
  },
};

/** The keyevent notifications timelines and leases rely on are switched on. */
export const keyspaceNotifications: Check = {
  name: 'redis: notify-keyspace-events',
  async run({ redis, redisConf }) {
    const required = redisConf.get('notify-keyspace-events') ?? 'Exe';
    const current = await configGet(redis, 'notify-keyspace-events');
    const missing = missingKeyspaceFlags(current, required);
    if (missing) {
      return fail(
        this.name,
        `is "${current}", lacks "${missing}" of "${required}"; run \`pnpm feed init\` or CONFIG SET notify-keyspace-events ${current}${missing}`,
      );
    }
    return ok(this.name, `"${current}" includes "${required}"`);
  },
};

/**
 * The eviction policy infra/redis.conf sets. Only a warning when it differs: a shared
 * Redis may need another policy for its other users, and `init` applies ours.
 */
export const maxmemoryPolicy: Check = {
  name: 'redis: maxmemory-policy',
  async run({ redis, redisConf }) {
    const expected = redisConf.get('maxmemory-policy') ?? 'noeviction';
    const current = await configGet(redis, 'maxmemory-policy');
    if (current !== expected) {
      return warn(
        this.name,
        `is ${current}, infra/redis.conf uses ${expected} (an evicting policy can drop BullMQ job locks); CONFIG SET maxmemory-policy ${expected} unless this Redis is shared and needs ${current}`,
      );
    }
    return ok(this.name, expected);
  },
};

/**
 * Persistence that can restart Redis with feed state older than the event log (an RDB
 * snapshot, an AOF not fsynced on every write). Only a warning: the worker detects such a
 * Redis and drops its feed keys, and a shared Redis may need persistence for its other users.
 */
export const redisPersistence: Check = {
  name: 'redis: persistence',
  async run({ redis }) {
    const settings = await readRedisPersistence(redis);
    const warning = persistenceWarning(settings);
    if (warning) return warn(this.name, warning);
    return ok(
      this.name,
      `save "${settings.save}", appendonly ${settings.appendonly}: a restart cannot bring back older feed state`,
    );
  },
};

export const redisChecks: readonly Check[] = [
  redisReachable,
  keyspaceNotifications,
  maxmemoryPolicy,
  redisPersistence,
];
