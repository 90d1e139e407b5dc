import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The API key of a local run when none is configured: read from `<dataDir>/api-key`, or
 * created there (random, owner-only permissions) on the first start, so the quick start
 * has a working key and keeps it across restarts.
 *
 * @example
 * const { key, file, created } = await localApiKey('/repo/.data');
 */
export async function localApiKey(
  dataDir: string,
): Promise<{ key: string; file: string; created: boolean }> {
  const file = path.join(dataDir, 'api-key');
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined && /^[A-Za-z0-9_-]{32,}$/.test(existing.trim())) {
    return { key: existing.trim(), file, created: false };
  }
  await mkdir(dataDir, { recursive: true });
  const key = `tl_${randomBytes(24).toString('base64url')}`;
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return { key, file, created: true };
}
