import type { FeedGroupConfig } from '@tideline/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './testing/test-server.js';

/*
 * FEED_GROUPS declares, per group, whether its feeds can be followed and who besides their
 * owner may read them. These groups use both declarations the defaults do not: a flat group
 * that is followable but private (followers approved by the app's back end, which uses a
 * server key), and a notification group that anyone may read.
 */
const groups: FeedGroupConfig[] = [
  { name: 'user', kind: 'flat', followable: true, readers: 'anyone' },
  { name: 'timeline', kind: 'flat' },
  { name: 'protected', kind: 'flat', followable: true, readers: 'owner' },
  {
    name: 'board',
    kind: 'notification',
    aggregationKey: ['verb', 'object', 'day'],
    readers: 'anyone',
  },
];

let server: TestServer;
let ana: string;

async function asAna(method: string, path: string, body?: unknown): Promise<Response> {
  return server.request(`/api/v1${path}`, {
    method,
    token: ana,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

beforeAll(async () => {
  server = await startTestServer('group_access', { feeds: { groups } });
  ana = await server.tokenFor('ana');
});
afterAll(() => server?.close());

describe('feed group declarations', () => {
  it('given a followable private group, when a user token follows it, then it is refused as a read', async () => {
    const response = await asAna('POST', '/feeds/timeline/ana/follows', {
      target: 'protected:bob',
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('protected:bob'),
    });
  });

  it('given a followable private group, when a user follows their own feed of it, then it is allowed', async () => {
    const response = await asAna('POST', '/feeds/timeline/ana/follows', {
      target: 'protected:ana',
    });
    expect(response.status).toBe(200);
  });

  it('given a followable private group, when a server key approves the follow, then the follower sees its posts', async () => {
    const post = await server.request('/api/v1/feeds/protected/bob/activities', {
      method: 'POST',
      body: JSON.stringify({ actor: 'bob', verb: 'post', object: 'approved:1' }),
    });
    expect(post.status).toBe(201);
    const { activity } = (await post.json()) as { activity: { id: string } };
    const follow = await server.request('/api/v1/feeds/timeline/ana/follows', {
      method: 'POST',
      body: JSON.stringify({ target: 'protected:bob' }),
    });
    expect(follow.status).toBe(200);
    const { position } = (await follow.json()) as { position: string };
    const page = await asAna('GET', `/feeds/timeline/ana/activities?minPosition=${position}`);
    expect(page.status).toBe(200);
    expect(JSON.stringify(await page.json())).toContain(activity.id);
  });

  it("given a private group, when a user token reads or watches another's feed of it, then 403", async () => {
    expect((await asAna('GET', '/feeds/protected/bob/activities')).status).toBe(403);
    expect((await asAna('GET', '/feeds/protected/bob/followers')).status).toBe(403);
    expect((await asAna('GET', '/feeds/protected/bob/stream')).status).toBe(403);
  });

  it("given a notification group anyone may read, when a user token reads another's feed of it, then it is served", async () => {
    const page = await asAna('GET', '/feeds/board/bob/activities');
    expect(page.status).toBe(200);
    expect(await page.json()).toMatchObject({ kind: 'notification', unseen: 0 });
    const stream = await asAna('GET', '/feeds/board/bob/stream');
    expect(stream.status).toBe(200);
    await stream.body?.cancel();
  });

  it('given a notification group anyone may read, when anyone follows it, then it is refused: only flat groups are followed', async () => {
    for (const token of [ana, undefined]) {
      const response = await server.request('/api/v1/feeds/timeline/ana/follows', {
        method: 'POST',
        ...(token === undefined ? {} : { token }),
        body: JSON.stringify({ target: 'board:bob' }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: {
          fields: [{ path: 'target', message: expect.stringContaining('user, protected') }],
        },
      });
    }
  });
});
