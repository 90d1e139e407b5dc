import {
  missingKeyspaceFlags,
  readRedisConf as readConfFile,
  redisConfigPath,
} from '@tideline/local-stack';

/** infra/redis.conf's directives (the parser the launcher's fallback Redis is checked with). */
export function readRedisConf(file = redisConfigPath): Promise<Map<string, string>> {
  return readConfFile(file);
}

export { missingKeyspaceFlags };

/**
 * Directives of infra/redis.conf that `feed init` applies with CONFIG SET. Left out:
 * network and process settings (bind, port, protected-mode, daemonize, logfile, dir),
 * which belong to whoever runs the server, and persistence (save, appendonly), which a
 * shared Redis may need for its other users; Tideline needs neither.
 */
export const runtimeSettings = [
  'notify-keyspace-events',
  'maxmemory-policy',
  'maxmemory',
  'client-output-buffer-limit',
  'tcp-keepalive',
  'lazyfree-lazy-user-del',
] as const;

/** CONFIG GET of one parameter, '' when unknown. */
export async function configGet(
  redis: { config(op: 'GET', name: string): Promise<unknown> },
  name: string,
): Promise<string> {
  const reply = await redis.config('GET', name);
  const value = Array.isArray(reply) ? reply[1] : undefined;
  return typeof value === 'string' ? value : '';
}
