import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './testing/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer('rest_smoke');
});
afterAll(() => server.close());

describe('REST smoke', () => {
  it('adds an activity (201) and reads it back with minPosition', async () => {
    const added = await server.request('/api/v1/feeds/user/ana/activities', {
      method: 'POST',
      body: JSON.stringify({ actor: 'ana', verb: 'post', object: 'post:1' }),
    });
    expect(added.status).toBe(201);
    const body = (await added.json()) as { activity: { id: string }; position: string };
    const read = await server.request(
      `/api/v1/feeds/user/ana/activities?limit=5&minPosition=${body.position}`,
    );
    expect(read.status).toBe(200);
    const page = (await read.json()) as { kind: string; results: { id: string }[]; next: null };
    expect(page).toMatchObject({ kind: 'flat', next: null });
    expect(page.results.map((a) => a.id)).toEqual([body.activity.id]);
  });

  it('answers bad input with 400, a stable code and the field', async () => {
    const response = await server.request('/api/v1/feeds/user/ana/activities', {
      method: 'POST',
      body: JSON.stringify({ actor: 'ana', verb: 'post' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'object: is required',
      details: { fields: [{ path: 'object', message: 'is required' }] },
    });
  });
});
