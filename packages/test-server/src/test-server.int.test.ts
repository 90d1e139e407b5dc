import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-server.js';

describe('startTestServer', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('test_server');
  });
  afterAll(() => server?.close());

  it('runs the server as a process that takes the test key and tokens, and no one else', async () => {
    const ana = await server.tokenFor('ana');
    const expired = await server.tokenFor('ana', { expiresInSeconds: -60 });

    const [withKey, withToken, withExpired, without] = await Promise.all([
      server.request('/api/v1/feeds/user/ana/activities'),
      server.request('/api/v1/feeds/user/ana/activities', { token: ana }),
      server.request('/api/v1/feeds/user/ana/activities', { token: expired }),
      server.request('/api/v1/feeds/user/ana/activities', { token: null }),
    ]);

    expect([withKey, withToken, withExpired, without].map((r) => r.status)).toEqual([
      200, 200, 401, 401,
    ]);
  });

  it('shares its database and key prefix with the harness: quiesce waits for the fan-out', async () => {
    const ben = await server.tokenFor('ben');
    const follow = await server.request('/api/v1/feeds/timeline/ben/follows', {
      method: 'POST',
      token: ben,
      body: JSON.stringify({ target: 'user:cal' }),
    });
    const added = await server.request('/api/v1/feeds/user/cal/activities', {
      method: 'POST',
      body: JSON.stringify({ actor: 'cal', verb: 'post', object: 'post:1' }),
    });
    const { activity } = (await added.json()) as { activity: { id: string } };

    await server.harness.quiesce();

    expect([follow.status, added.status]).toEqual([200, 201]);
    expect(await server.harness.readAllIds('timeline:ben')).toEqual([activity.id]);
  });
});

describe('startTestServer with demo and a web app', () => {
  let server: TestServer;
  let webAppDir: string;
  beforeAll(async () => {
    webAppDir = await mkdtemp(path.join(tmpdir(), 'tideline-test-server-'));
    await writeFile(path.join(webAppDir, 'index.html'), '<!doctype html><title>built here</title>');
    server = await startTestServer('test_server_demo', { demo: true, webAppDir });
  });
  afterAll(async () => {
    await server?.close();
    await rm(webAppDir, { recursive: true, force: true });
  });

  it('serves WEB_APP_DIR at / and mints demo tokens signed with the test secret', async () => {
    const page = await server.request('/', { token: null });
    const minted = await server.request('/demo/token', {
      method: 'POST',
      token: null,
      body: JSON.stringify({ user: 'ana' }),
    });
    const { token } = (await minted.json()) as { token: string };
    const own = await server.request('/api/v1/feeds/timeline/ana/activities', { token });

    expect(await page.text()).toContain('built here');
    expect([minted.status, own.status]).toEqual([200, 200]);
  });

  it('stops the server process on close', async () => {
    const url = server.url;
    await server.close();

    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
