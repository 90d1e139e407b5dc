import { readFile } from 'node:fs/promises';

/**
 * Reads the directives of a redis.conf file (`name value…`, `#` comments, later lines
 * win), lower-casing names and dropping the quotes around values.
 *
 * @example
 * (await readRedisConf('infra/redis.conf')).get('maxmemory-policy'); // 'noeviction'
 */
export async function readRedisConf(file: string): Promise<Map<string, string>> {
  const directives = new Map<string, string>();
  for (const raw of (await readFile(file, 'utf8')).split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^(\S+)\s*(.*)$/.exec(line);
    if (!match?.[1]) continue;
    const value = (match[2] ?? '').replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
    directives.set(match[1].toLowerCase(), value);
  }
  return directives;
}
