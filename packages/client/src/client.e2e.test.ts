import { startTestServer, TEST_API_KEY, type TestServer } from '@tideline/test-server';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  createTidelineClient,
  type TidelineClient,
  type TidelineOutputs,
  tidelineErrorOf,
} from './index.js';

// The real server (HTTP, tRPC, auth, projector, fan-out workers) with its own database
// and Redis key prefix, driven only through the client.
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer('client-e2e');
});

afterAll(async () => {
  await server?.close();
});

async function clientOf(userId: string): Promise<TidelineClient> {
  return createTidelineClient({ url: server.url, token: await server.tokenFor(userId) });
}

/** What a call was rejected with (its resolved value, if it was not, which fails the checks). */
function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    (value) => ({ resolvedWith: value }),
    (error: unknown) => error,
  );
}

function post(actor: string, object: string, time: string) {
  return { group: 'user', id: actor, actor, verb: 'post', object, time };
}

describe('the Tideline client against a running server', () => {
  it('adds an activity to the user’s own feed and returns it, typed', async () => {
    const ana = await clientOf('ana');

    const added = await ana.feeds.add.mutate(post('ana', 'post:1', '2025-01-01T10:00:00Z'));

    expectTypeOf(added).toEqualTypeOf<TidelineOutputs['feeds']['add']>();
    expectTypeOf(added.activity.to).toEqualTypeOf<string[]>();
    expect(added.activity).toMatchObject({
      feed: 'user:ana',
      actor: 'ana',
      verb: 'post',
      object: 'post:1',
      time: '2025-01-01T10:00:00.000Z',
      to: [],
      extra: {},
    });
    expect(added.position).toEqual(expect.any(String));
  });

  it('shows a followed user’s activities on the follower’s timeline, read with minPosition', async () => {
    const [bea, cal] = await Promise.all([clientOf('bea'), clientOf('cal')]);
    const before = await bea.feeds.add.mutate(post('bea', 'post:1', '2025-01-01T10:00:00Z'));

    const followed = await cal.feeds.follow.mutate({
      group: 'timeline',
      id: 'cal',
      target: 'user:bea',
    });
    const after = await bea.feeds.add.mutate(post('bea', 'post:2', '2025-01-01T11:00:00Z'));
    const page = await cal.feeds.read.query({
      group: 'timeline',
      id: 'cal',
      minPosition: after.position,
    });

    expect(followed.changed).toBe(true);
    expect(page.kind).toBe('flat');
    expect(page.results.map((activity) => activity.id)).toEqual([
      after.activity.id,
      before.activity.id,
    ]);
    expect(page.next).toBeNull();
  });

  it('shows fanned-out activities on a timeline read once the server has quiesced', async () => {
    const [dia, eli] = await Promise.all([clientOf('dia'), clientOf('eli')]);
    await eli.feeds.follow.mutate({ group: 'timeline', id: 'eli', target: 'user:dia' });
    const added = await dia.feeds.add.mutate(post('dia', 'post:1', '2025-01-01T10:00:00Z'));

    await server.harness.quiesce();
    const page = await eli.feeds.read.query({ group: 'timeline', id: 'eli' });

    expect(page.results).toEqual([added.activity]);
  });

  it('counts a notification as unseen until the recipient marks it seen', async () => {
    const [fay, gus] = await Promise.all([clientOf('fay'), clientOf('gus')]);
    const liked = await fay.feeds.add.mutate({
      ...post('fay', 'post:gus:1', '2025-01-01T10:00:00Z'),
      verb: 'like',
      to: ['notification:gus'],
    });
    const notifications = { group: 'notification', id: 'gus' } as const;
    const unseen = await gus.feeds.read.query({ ...notifications, minPosition: liked.position });

    const marked = await gus.feeds.mark.mutate({ ...notifications, seen: true });
    const seen = await gus.feeds.read.query({ ...notifications, minPosition: marked.position });

    expect(unseen).toMatchObject({ kind: 'notification', unseen: 1, unread: 1 });
    expect(unseen.results).toEqual([
      expect.objectContaining({ activities: [liked.activity], isSeen: false }),
    ]);
    expect(seen).toMatchObject({ kind: 'notification', unseen: 0, unread: 1 });
    expect(seen.results).toEqual([expect.objectContaining({ isSeen: true, isRead: false })]);
  });

  it('rejects reading another user’s timeline with FORBIDDEN', async () => {
    const hal = await clientOf('hal');

    const error = await rejectionOf(hal.feeds.read.query({ group: 'timeline', id: 'ana' }));

    expect(tidelineErrorOf(error)).toEqual({
      code: 'FORBIDDEN',
      message:
        'a user token may only read its own feeds (*:hal) or feeds anyone may read (user:*), not timeline:ana',
    });
  });

  it('rejects a call without a token with UNAUTHENTICATED', async () => {
    const anonymous = createTidelineClient({ url: server.url, token: () => undefined });

    const error = await rejectionOf(anonymous.feeds.read.query({ group: 'timeline', id: 'ana' }));

    expect(tidelineErrorOf(error)?.code).toBe('UNAUTHENTICATED');
  });

  it('rejects bad input with VALIDATION_FAILED naming the field', async () => {
    const ivy = await clientOf('ivy');

    const error = await rejectionOf(
      ivy.feeds.read.query({ group: 'timeline', id: 'ivy', limit: 1000 }),
    );

    expect(tidelineErrorOf(error)).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'limit: must be at most 100',
      details: { fields: [{ path: 'limit', message: 'must be at most 100' }] },
    });
  });

  it('sends the queries of one tick in one batched request, each with its own answer', async () => {
    const urls: string[] = [];
    const jo = createTidelineClient({
      url: server.url,
      token: () => server.tokenFor('jo'),
      fetch: (input, init) => {
        urls.push(String(input));
        return fetch(input, init);
      },
    });
    await jo.feeds.follow.mutate({ group: 'timeline', id: 'jo', target: 'user:ana' });
    // `following` reads a projection and takes no minPosition, so wait for the projector.
    await server.harness.quiesce();
    urls.length = 0;

    const [timeline, following, followers, forbidden] = await Promise.allSettled([
      jo.feeds.read.query({ group: 'timeline', id: 'jo', limit: 1 }),
      jo.feeds.following.query({ group: 'timeline', id: 'jo' }),
      jo.feeds.followers.query({ group: 'user', id: 'jo' }),
      jo.events.list.query({}),
    ]);

    expect(urls).toHaveLength(1);
    expect(urls[0]).toContain(
      '/trpc/feeds.read,feeds.following,feeds.followers,events.list?batch=1',
    );
    expect(timeline).toMatchObject({ status: 'fulfilled', value: { kind: 'flat' } });
    expect(following).toEqual({
      status: 'fulfilled',
      value: { results: [{ feed: 'user:ana' }], next: null },
    });
    expect(followers).toEqual({ status: 'fulfilled', value: { results: [], next: null } });
    expect(forbidden.status).toBe('rejected');
    expect(tidelineErrorOf(forbidden.status === 'rejected' && forbidden.reason)?.code).toBe(
      'FORBIDDEN',
    );
  });

  it('lets a server API key add for anyone and read the event log, which a user token may not', async () => {
    const admin = createTidelineClient({ url: server.url, token: TEST_API_KEY });
    const kim = await clientOf('kim');
    // A server key may add to any feed, on behalf of any actor.
    const added = await admin.feeds.add.mutate(post('kim', 'post:1', '2025-01-01T10:00:00Z'));
    // The log withholds events while any older transaction in the cluster still runs
    // (gap-safe reads) and takes no minPosition; the projector has read past it once quiet.
    await server.harness.quiesce();

    const log = await admin.events.list.query({ limit: 100 });
    const refused = await rejectionOf(kim.events.list.query({}));

    expect(log.results).toContainEqual(
      expect.objectContaining({
        position: added.position,
        streamId: 'feed:user:kim',
        type: 'ActivityAdded',
      }),
    );
    expect(log.next).toEqual(expect.any(String));
    expect(tidelineErrorOf(refused)).toEqual({
      code: 'FORBIDDEN',
      message: 'only a server API key may read the event log',
    });
  });
});
