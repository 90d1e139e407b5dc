/** The Redis settings that decide what state a restarted Redis comes back with. */
export interface RedisPersistence {
  /** `CONFIG GET save`: RDB snapshot points, `""` when off. */
  save: string;
  /** `CONFIG GET appendonly`: `yes` or `no`. */
  appendonly: string;
  /** `CONFIG GET appendfsync`: `always`, `everysec` or `no`. */
  appendfsync: string;
}

/**
 * One line naming the persistence settings that can bring a restarted Redis back with
 * feed state older than the event log — an RDB snapshot (any `save` point, the built-in
 * default of Debian's redis.conf included) or an AOF not fsynced on every write — and
 * what to do about it; `undefined` when none can. The worker detects such a Redis and
 * drops its feed keys, but serves it stale until then (docs/feeds.md).
 *
 * @example
 * persistenceWarning({ save: '3600 1', appendonly: 'no', appendfsync: 'everysec' });
 * // 'Redis RDB snapshots (save "3600 1") can restart it with feed state older than …'
 */
export function persistenceWarning(settings: RedisPersistence): string | undefined {
  const risks: string[] = [];
  if (settings.save.trim() !== '') risks.push(`RDB snapshots (save "${settings.save}")`);
  if (settings.appendonly === 'yes' && settings.appendfsync !== 'always') {
    risks.push(`an append-only file fsynced ${settings.appendfsync} (appendonly yes)`);
  }
  if (risks.length === 0) return undefined;
  return `Redis ${risks.join(' and ')} can restart it with feed state older than the event log; the worker then drops the feed keys within seconds and feeds regenerate from PostgreSQL, but reads are stale until it does: set save "" and appendonly no as infra/redis.conf does, unless this Redis is shared and needs them`;
}

/** Reads the three settings with CONFIG GET ('' for any the server does not know). */
export async function readRedisPersistence(redis: {
  config(op: 'GET', name: string): Promise<unknown>;
}): Promise<RedisPersistence> {
  const get = async (name: string) => {
    const reply = await redis.config('GET', name);
    const value = Array.isArray(reply) ? reply[1] : undefined;
    return typeof value === 'string' ? value : '';
  };
  return {
    save: await get('save'),
    appendonly: await get('appendonly'),
    appendfsync: await get('appendfsync'),
  };
}
