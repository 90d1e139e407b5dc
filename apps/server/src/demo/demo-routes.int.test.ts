import { demoUsers, ensureDemoData } from '@tideline/demo-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server.js';

describe('demo routes with DEMO=1', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('demo-on', { demo: true });
  });
  afterAll(() => server.close());

  const mint = (body: unknown) =>
    server.request('/demo/token', { method: 'POST', token: null, body: JSON.stringify(body) });

  it('lists the demo users without a token', async () => {
    const res = await server.request('/demo/users', { token: null });

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ users: demoUsers });
  });

  it('mints a short-lived user token that acts as that user, and only as that user', async () => {
    const res = await mint({ user: 'ana' });
    const { token, expiresAt } = (await res.json()) as { token: string; expiresAt: string };

    const own = await server.request('/api/v1/feeds/timeline/ana/activities', { token });
    const other = await server.request('/api/v1/feeds/timeline/ben/activities', { token });

    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    expect(own.status).toBe(200);
    expect(other.status).toBe(403);
  });

  it('refuses users outside the demo and bodies that are not JSON with 400, never 500', async () => {
    const stranger = await mint({ user: 'mallory' });
    const garbage = await server.request('/demo/token', {
      method: 'POST',
      token: null,
      headers: { 'content-type': 'application/json' },
      body: '{"user":',
    });

    expect(stranger.status).toBe(400);
    expect(await stranger.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(garbage.status).toBe(400);
  });

  it('creates the demo data once: running it again appends nothing', async () => {
    await ensureDemoData(server.harness.testDb.db);
    await server.harness.quiesce();
    const before = await server.request('/api/v1/events?limit=100');
    const first = (await before.json()) as { results: unknown[] };

    await ensureDemoData(server.harness.testDb.db);
    await server.harness.quiesce();
    const after = (await (await server.request('/api/v1/events?limit=100')).json()) as {
      results: unknown[];
    };
    const token = (await (await mint({ user: 'ana' })).json()) as { token: string };
    const bell = await server.request('/api/v1/feeds/notification/ana/activities', {
      token: token.token,
    });

    expect(first.results.length).toBeGreaterThan(0);
    expect(after.results).toHaveLength(first.results.length);
    // Cleo follows Ana in the demo data: Ana's bell has that notification.
    expect(await bell.json()).toMatchObject({ kind: 'notification', unseen: 1 });
  });
});

describe('demo routes without DEMO', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('demo-off');
  });
  afterAll(() => server.close());

  it('mints no token: /demo is an unknown route (404)', async () => {
    const token = await server.request('/demo/token', {
      method: 'POST',
      token: null,
      body: JSON.stringify({ user: 'ana' }),
    });
    const users = await server.request('/demo/users', { token: null });

    expect(token.status).toBe(404);
    expect(await token.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect(users.status).toBe(404);
  });
});
