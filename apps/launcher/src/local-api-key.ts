import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

interface LocalSecret {
  key: string;
  file: string;
  created: boolean;
}

/**
 * The API key of a local run when none is configured: read from `<dataDir>/api-key`, or
 * created there (random, owner-only permissions) on the first start, so the quick start
 * has a working key and keeps it across restarts.
 *
 * @example
 * const { key, file, created } = await localApiKey('/repo/.data');
 */
export function localApiKey(dataDir: string): Promise<LocalSecret> {
  return localSecret(path.join(dataDir, 'api-key'), 'tl_', 24);
}

/**
 * The HS256 secret of a local demo run (`DEMO=1`) when no `JWT_SECRET` is configured:
 * `<dataDir>/jwt-secret`, created like the local API key, so demo tokens stay valid
 * across restarts.
 *
 * @example
 * const { key: jwtSecret } = await localJwtSecret('/repo/.data');
 */
export function localJwtSecret(dataDir: string): Promise<LocalSecret> {
  return localSecret(path.join(dataDir, 'jwt-secret'), '', 48);
}

async function localSecret(file: string, prefix: string, bytes: number): Promise<LocalSecret> {
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined && /^[A-Za-z0-9_-]{32,}$/.test(existing.trim())) {
    return { key: existing.trim(), file, created: false };
  }
  await mkdir(path.dirname(file), { recursive: true });
  const key = `${prefix}${randomBytes(bytes).toString('base64url')}`;
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return { key, file, created: true };
}
