import { createFeedHarness, type FeedHarness } from '@tideline/feeds/testing';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiDeps, createApiDeps } from './context.js';
import { appRouter } from './router.js';
import { createCallerFactory } from './trpc.js';

const key = 'router-test-key-0123456789abcdef';
const secret = 'router-test-secret-0123456789abcdef-012345';
let h: FeedHarness;
let deps: ApiDeps;
const createCaller = createCallerFactory(appRouter);

beforeAll(async () => {
  h = await createFeedHarness('api_router');
  h.start();
  deps = createApiDeps({
    db: h.testDb.db,
    redis: h.redis,
    config: h.config,
    auth: { apiKeys: [key], jwtSecret: secret },
    rateLimits: { userPerMinute: 3, serverPerMinute: 0 },
  });
});
afterAll(() => h.destroy());

/** Procedures called in-process, as a request with this Authorization header would. */
const as = (authorization: string | undefined) =>
  createCaller(() => ({ deps, authorization, requestId: 'test' }));
const server = as(`Bearer ${key}`);
const userToken = (userId: string) =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(secret));

describe('procedures called without HTTP', () => {
  it('adds, follows and reads through the same procedures HTTP serves', async () => {
    const added = await server.feeds.add({
      group: 'user',
      id: 'ana',
      actor: 'ana',
      verb: 'post',
      object: 'p:1',
    });
    const followed = await server.feeds.follow({
      group: 'timeline',
      id: 'bob',
      target: 'user:ana',
    });
    const page = await server.feeds.read({
      group: 'timeline',
      id: 'bob',
      minPosition: followed.position,
    });
    expect(page.kind).toBe('flat');
    expect(page.results.map((a) => a.id)).toEqual([added.activity.id]);
    const events = await server.events.list({ limit: 100 });
    expect(events.results.map((e) => e.type)).toEqual(['ActivityAdded', 'FeedFollowed']);
    expect(events.results[0]?.metadata).toMatchObject({ correlationId: 'test' });
  });

  it('reads a notification feed as groups with exact unseen counts', async () => {
    const added = await server.feeds.add({
      group: 'user',
      id: 'cleo',
      actor: 'cleo',
      verb: 'like',
      object: 'photo:1',
      to: ['notification:ana'],
    });
    const page = await server.feeds.read({
      group: 'notification',
      id: 'ana',
      minPosition: added.position,
    });
    expect(page).toMatchObject({ kind: 'notification', unseen: 1, unread: 1 });
    const marked = await server.feeds.mark({ group: 'notification', id: 'ana', seen: true });
    const after = await server.feeds.read({
      group: 'notification',
      id: 'ana',
      minPosition: marked.position,
    });
    expect(after).toMatchObject({ unseen: 0, unread: 1 });
  });

  it('refuses an unconfigured group, naming the field, and writes nothing', async () => {
    const before = await server.events.list({ limit: 100 });
    await expect(
      server.feeds.add({ group: 'nosuch', id: 'ana', actor: 'ana', verb: 'post', object: 'p' }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', cause: { code: 'VALIDATION_FAILED' } });
    await expect(
      server.feeds.add({
        group: 'user',
        id: 'ana',
        actor: 'ana',
        verb: 'post',
        object: 'p',
        to: ['nosuch:bob'],
      }),
    ).rejects.toThrow('to[0]: must be a configured feed group');
    expect((await server.events.list({ limit: 100 })).results).toHaveLength(before.results.length);
  });

  it('without a token refuses with UNAUTHENTICATED', async () => {
    await expect(as(undefined).feeds.read({ group: 'timeline', id: 'ana' })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      cause: { code: 'UNAUTHENTICATED' },
    });
  });

  it('lets a user mention others through notification feeds, but not write into their timelines', async () => {
    const erin = as(`Bearer ${await userToken('erin')}`);
    const post = (to: string[]) =>
      erin.feeds.add({ group: 'user', id: 'erin', actor: 'erin', verb: 'post', object: 'p', to });
    await expect(post(['notification:bob', 'timeline:erin'])).resolves.toMatchObject({
      activity: { to: ['notification:bob', 'timeline:erin'] },
    });
    await expect(post(['timeline:bob'])).rejects.toMatchObject({ cause: { code: 'FORBIDDEN' } });
  });

  it('limits a user token per minute and says when to retry', async () => {
    const dora = as(`Bearer ${await userToken('dora')}`);
    for (let i = 0; i < 3; i += 1) await dora.feeds.read({ group: 'timeline', id: 'dora' });
    const refused = await dora.feeds.read({ group: 'timeline', id: 'dora' }).catch((e) => e);
    expect(refused.cause).toMatchObject({ code: 'RATE_LIMITED' });
    expect(refused.cause.details.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.cause.details.retryAfterSeconds).toBeLessThanOrEqual(60);
  });
});
