import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './testing/test-server.js';

describe('the web app at /', () => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tideline-web-'));
    await mkdir(path.join(dir, 'assets'));
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>Tideline</title>');
    await writeFile(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1);');
    server = await startTestServer('web-app', { webAppDir: dir });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html at / revalidated on every load, under a CSP that allows same-origin WebSockets', async () => {
    const res = await server.request('/', { token: null });
    const host = new URL(server.url).host;

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toContain('<title>Tideline</title>');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://${host} wss://${host}`);
  });

  it('serves hashed assets as immutable for a year', async () => {
    const res = await server.request('/assets/index-abc123.js', { token: null });

    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('leaves the API, docs, health and the JSON 404 of unknown paths as they were', async () => {
    const unknownApi = await server.request('/api/v1/nope', { token: null });
    const unknown = await server.request('/nope', { token: null });
    const missingAsset = await server.request('/assets/missing.js', { token: null });
    const health = await server.request('/healthz', { token: null });
    const docs = await server.request('/docs/', { token: null });
    const api = await server.request('/api/v1/feeds/user/ana/activities');

    expect(unknownApi.status).toBe(404);
    expect(await unknownApi.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ code: 'NOT_FOUND', message: 'no route for GET /nope' });
    expect(missingAsset.status).toBe(404);
    expect(health.status).toBe(200);
    expect(docs.status).toBe(200);
    expect(api.status).toBe(200);
  });
});
