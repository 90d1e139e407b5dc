import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { describeError, LocalStackError } from './local-stack-error.js';
import { persistenceWarning, readRedisPersistence } from './redis-persistence.js';

/**
 * Keyspace notifications the service relies on: `E` keyevent channel, `x` expired and
 * `e` evicted keys. infra/redis.conf ships exactly these; a test keeps the two in step.
 */
export const REQUIRED_KEYSPACE_EVENTS = 'Exe';

/** Redis's `A` stands for all of these key-space classes. */
const ALL_CLASSES = 'g$lshzxetd';

/** The flags of `required` that `current` lacks, honouring Redis's `A` alias. */
export function missingKeyspaceFlags(current: string, required: string): string {
  const have = current.includes('A') ? current + ALL_CLASSES : current;
  return [...required].filter((flag) => !have.includes(flag)).join('');
}

export interface RedisSettingsReport {
  /** Set when `notify-keyspace-events` lacked required flags and was extended. */
  keyspaceEvents?: { from: string; to: string };
  /** Set when `maxmemory-policy` differs from the shipped config; left unchanged. */
  policyWarning?: string;
  /** Set when persistence can bring back older feed state (`persistenceWarning`); left unchanged. */
  persistenceWarning?: string;
}

/**
 * Checks a Redis this process did not start: adds missing keyspace-notification flags
 * (keeping the ones already set, since others may rely on them) and warns when the
 * eviction policy differs from `expectedPolicy`, or when its persistence can restart it
 * with older feed state; both are left alone on a shared server.
 *
 * @example
 * const report = await ensureRedisSettings(redis, { expectedPolicy: 'noeviction', logger });
 */
export async function ensureRedisSettings(
  redis: Redis,
  options: { expectedPolicy?: string | undefined; logger: Logger; url: string },
): Promise<RedisSettingsReport> {
  const { logger, url } = options;
  const report: RedisSettingsReport = {};
  try {
    const from = await configGet(redis, 'notify-keyspace-events');
    const missing = missingKeyspaceFlags(from, REQUIRED_KEYSPACE_EVENTS);
    if (missing) {
      await redis.config('SET', 'notify-keyspace-events', from + missing);
      const to = await configGet(redis, 'notify-keyspace-events');
      report.keyspaceEvents = { from, to };
      logger.info(
        { url, from, to, added: missing },
        'enabled Redis keyspace notifications the service needs',
      );
    }
    const policy = await configGet(redis, 'maxmemory-policy');
    if (options.expectedPolicy && policy !== options.expectedPolicy) {
      report.policyWarning = `Redis maxmemory-policy is ${policy}, infra/redis.conf uses ${options.expectedPolicy}`;
      logger.warn(
        { url, policy, expected: options.expectedPolicy },
        `${report.policyWarning}; left unchanged`,
      );
    }
    const persistence = await readRedisPersistence(redis);
    const warning = persistenceWarning(persistence);
    if (warning) {
      report.persistenceWarning = warning;
      logger.warn({ url, ...persistence }, warning);
    }
  } catch (error) {
    throw new LocalStackError(
      `cannot check or set notify-keyspace-events on Redis at ${url} (${describeError(error)}): set "notify-keyspace-events ${REQUIRED_KEYSPACE_EVENTS}" in its configuration`,
    );
  }
  return report;
}

async function configGet(redis: Redis, name: string): Promise<string> {
  const reply = await redis.config('GET', name);
  const value = Array.isArray(reply) ? reply[1] : undefined;
  return typeof value === 'string' ? value : '';
}
