import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localApiKey, localJwtSecret } from './local-api-key.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('local API key', () => {
  it('given no key file, when asked, then it creates an owner-only key and reuses it after', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tl-key-'));
    dirs.push(dir);
    const first = await localApiKey(path.join(dir, 'data'));
    const second = await localApiKey(path.join(dir, 'data'));
    expect(first.created).toBe(true);
    expect(first.key).toMatch(/^tl_[A-Za-z0-9_-]{32}$/);
    expect(second).toEqual({ ...first, created: false });
    expect((await readFile(first.file, 'utf8')).trim()).toBe(first.key);
    expect((await stat(first.file)).mode & 0o777).toBe(0o600);
  });

  it('given DEMO=1 and no JWT_SECRET, when asked, then it keeps a long HS256 secret beside the key', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tl-key-'));
    dirs.push(dir);
    const first = await localJwtSecret(dir);
    const second = await localJwtSecret(dir);
    expect(first.file).toBe(path.join(dir, 'jwt-secret'));
    expect(first.key.length).toBeGreaterThanOrEqual(32);
    expect(second).toEqual({ ...first, created: false });
    expect((await stat(first.file)).mode & 0o777).toBe(0o600);
  });
});
