import { waitFor } from '@tideline/event-store/testing';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEventStream } from './testing/sse-reader.js';
import {
  startTestServer,
  TEST_API_KEY,
  TEST_JWT_SECRET,
  type TestServer,
} from './testing/test-server.js';

/*
 * docs/product.md §5 auth, cell by cell: every kind of credential against every REST operation, on
 * the token owner's feed and on someone else's. The expected status of each cell comes
 * from the rules, not from what the server happens to answer:
 * - no, garbage, expired, foreign-signed or exp-less credentials → 401;
 * - a server API key → the operation's success status;
 * - a user token → success only for what a user may do on its own feeds, otherwise 403.
 */

/** The user whose token is "the owner's"; the other feeds belong to `bob`. */
const owner = 'ana';
const other = 'bob';
const stranger = 'carl';

interface Request {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to `/api/v1`. */
  path: string;
  body?: unknown;
}

interface Fixtures {
  /** An activity in user:<user> that stays (updates target it). */
  kept: Record<string, string>;
  /** An activity in user:<user> that removals target (removing twice is a no-op). */
  removable: Record<string, string>;
}

interface Operation {
  name: string;
  success: 200 | 201;
  /**
   * What a user token may do with this request (docs/product.md §5): some reads are open to anyone
   * because the feed's group declares `readers: "anyone"` (the default `user` group).
   */
  user: 'allowed on own feed' | 'server key only' | 'anyone may read';
  /** The request on `user`'s feed(s). */
  request(user: string, f: Fixtures): Request;
}

const activity = (actor: string) => ({
  actor,
  verb: 'post',
  object: 'matrix:1',
  // Idempotent by (feed, foreignId, time): the many successful cells add one activity.
  foreignId: 'matrix',
  time: '2024-05-01T12:00:00Z',
});

const operations: Operation[] = [
  {
    name: 'add activity',
    success: 201,
    user: 'allowed on own feed',
    request: (user) => ({
      method: 'POST',
      path: `/feeds/user/${user}/activities`,
      body: activity(user),
    }),
  },
  {
    name: 'add activity whose actor is someone else',
    success: 201,
    user: 'server key only',
    request: (user) => ({
      method: 'POST',
      path: `/feeds/user/${user}/activities`,
      body: activity(stranger),
    }),
  },
  {
    name: 'add activity to a non-user feed of its own',
    success: 201,
    user: 'server key only',
    request: (user) => ({
      method: 'POST',
      path: `/feeds/timeline/${user}/activities`,
      body: activity(user),
    }),
  },
  {
    name: 'add activities',
    success: 200,
    user: 'allowed on own feed',
    request: (user) => ({
      method: 'POST',
      path: `/feeds/user/${user}/activities/batch`,
      body: { activities: [activity(user)] },
    }),
  },
  {
    name: 'add activities, one by someone else',
    success: 200,
    user: 'server key only',
    request: (user) => ({
      method: 'POST',
      path: `/feeds/user/${user}/activities/batch`,
      body: { activities: [activity(user), { ...activity(stranger), foreignId: 'matrix-2' }] },
    }),
  },
  {
    name: 'read feed',
    success: 200,
    user: 'allowed on own feed',
    request: (user) => ({ method: 'GET', path: `/feeds/timeline/${user}/activities?limit=5` }),
  },
  {
    name: 'read a user feed (readers: anyone)',
    success: 200,
    user: 'anyone may read',
    request: (user) => ({ method: 'GET', path: `/feeds/user/${user}/activities` }),
  },
  {
    name: 'read aggregated timeline',
    success: 200,
    user: 'allowed on own feed',
    request: (user) => ({ method: 'GET', path: `/feeds/timeline_aggregated/${user}/activities` }),
  },
  {
    name: 'read notification feed',
    success: 200,
    user: 'allowed on own feed',
    request: (user) => ({ method: 'GET', path: `/feeds/notification/${user}/activities` }),
  },
  {
    name: 'update activity',
    success: 200,
    user: 'server key only',
    request: (user, f) => ({
      method: 'PATCH',
      path: `/activities/${f.kept[user]}`,
      body: { set: { touched: true } },
    }),
  },
  {
    name: 'remove activity',
    success: 200,
    user: 'server key only',
    request: (user, f) => ({
      method: 'DELETE',
      path: `/feeds/user/${user}/activities/${f.removable[user]}`,
    }),
  },
  {
    name: 'remove activities by foreignId',
    success: 200,
    user: 'server key only',
    request: (user) => ({
      method: 'DELETE',
      path: `/feeds/user/${user}/activities?foreignId=removable`,
    }),
  },
  {
    name: 'follow',
    success: 200,
    user: 'allowed on own feed',
    request: (user) => ({
      method: 'POST',
      path: `/feeds/timeline/${user}/follows`,
      body: { target: 'user:followed', copyLimit: 10 },
    }),
  },
  {
    name: 'unfollow',
    success: 200,
    user: 'allowed on own feed',
    // The edge exists from the setup; unfollowing again is a no-op that still succeeds.
    request: (user) => ({
      method: 'DELETE',
      path: `/feeds/timeline/${user}/follows/user/unfollowed?keepHistory=false`,
    }),
  },
  {
    name: 'follow many',
    success: 200,
    user: 'allowed on own feed',
    request: (user) => ({
      method: 'POST',
      path: '/follows/batch',
      body: {
        follows: [
          { source: `timeline:${user}`, target: 'user:many1' },
          { source: `timeline_aggregated:${user}`, target: 'user:many1' },
        ],
      },
    }),
  },
  {
    name: 'follow many, one source not its own',
    success: 200,
    user: 'server key only',
    request: (user) => ({
      method: 'POST',
      path: '/follows/batch',
      body: {
        follows: [
          { source: `timeline:${user}`, target: 'user:many2' },
          { source: `timeline:${stranger}`, target: 'user:many2' },
        ],
      },
    }),
  },
  {
    name: 'list following',
    success: 200,
    user: 'allowed on own feed',
    request: (user) => ({ method: 'GET', path: `/feeds/timeline/${user}/following` }),
  },
  {
    name: 'list followers of a user feed (readers: anyone)',
    success: 200,
    user: 'anyone may read',
    request: (user) => ({ method: 'GET', path: `/feeds/user/${user}/followers` }),
  },
  {
    name: 'list followers of a timeline',
    success: 200,
    user: 'allowed on own feed',
    request: (user) => ({ method: 'GET', path: `/feeds/timeline/${user}/followers` }),
  },
  {
    name: 'watch feed (live stream)',
    success: 200,
    user: 'allowed on own feed',
    request: (user) => ({ method: 'GET', path: `/feeds/notification/${user}/stream` }),
  },
  {
    name: 'watch a user feed (readers: anyone)',
    success: 200,
    user: 'anyone may read',
    request: (user) => ({ method: 'GET', path: `/feeds/user/${user}/stream` }),
  },
  {
    name: 'watch a timeline',
    success: 200,
    user: 'allowed on own feed',
    request: (user) => ({ method: 'GET', path: `/feeds/timeline/${user}/stream` }),
  },
  {
    name: 'mark notifications',
    success: 200,
    user: 'allowed on own feed',
    request: (user) => ({
      method: 'POST',
      path: `/feeds/notification/${user}/mark`,
      body: { seen: true, read: true },
    }),
  },
  {
    name: 'read event log',
    success: 200,
    user: 'server key only',
    request: () => ({ method: 'GET', path: '/events?limit=1' }),
  },
];

type TokenKind =
  | 'none'
  | 'garbage'
  | 'not a Bearer scheme'
  | 'expired JWT'
  | 'JWT signed with another secret'
  | 'JWT without exp'
  | 'server API key'
  | "feed owner's user token"
  | "someone else's user token";

const tokenKinds: TokenKind[] = [
  'none',
  'garbage',
  'not a Bearer scheme',
  'expired JWT',
  'JWT signed with another secret',
  'JWT without exp',
  'server API key',
  "feed owner's user token",
  "someone else's user token",
];

type Target = "owner's feed" | "another user's feed";

/** docs/product.md §5, as a function of the cell. */
function expectedStatus(kind: TokenKind, operation: Operation, target: Target): number {
  switch (kind) {
    case 'server API key':
      return operation.success;
    case "feed owner's user token":
    case "someone else's user token":
      if (operation.user === 'anyone may read') return operation.success;
      if (kind === "someone else's user token") return 403;
      return target === "owner's feed" && operation.user === 'allowed on own feed'
        ? operation.success
        : 403;
    default:
      return 401;
  }
}

let server: TestServer;
let fixtures: Fixtures;
const authorization = new Map<TokenKind, string | undefined>();

async function send(request: Request, header: string | undefined): Promise<Response> {
  return server.request(`/api/v1${request.path}`, {
    method: request.method,
    token: null,
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    ...(header === undefined ? {} : { headers: { authorization: header } }),
  });
}

async function setUp(request: Request): Promise<Record<string, unknown>> {
  const response = await send(request, `Bearer ${TEST_API_KEY}`);
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status >= 300) throw new Error(`setup ${request.path}: ${JSON.stringify(body)}`);
  return body;
}

async function addActivity(user: string, extra: Record<string, unknown> = {}): Promise<string> {
  const added = await setUp({
    method: 'POST',
    path: `/feeds/user/${user}/activities`,
    body: { actor: user, verb: 'post', object: 'setup', ...extra },
  });
  return (added.activity as { id: string }).id;
}

beforeAll(async () => {
  server = await startTestServer('auth_matrix');
  const secret = new TextEncoder().encode(TEST_JWT_SECRET);
  const withoutExp = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(owner)
    .setIssuedAt()
    .sign(secret);
  const bearer = (token: string) => `Bearer ${token}`;
  authorization.set('none', undefined);
  authorization.set('garbage', bearer('garbage-0123456789'));
  authorization.set(
    'not a Bearer scheme',
    `Basic ${Buffer.from(`${owner}:pw`).toString('base64')}`,
  );
  authorization.set('expired JWT', bearer(await server.tokenFor(owner, { expiresInSeconds: -60 })));
  authorization.set(
    'JWT signed with another secret',
    bearer(await server.tokenFor(owner, { secret: 'another-secret-0123456789abcdef-0123456789' })),
  );
  authorization.set('JWT without exp', bearer(withoutExp));
  authorization.set('server API key', bearer(TEST_API_KEY));
  authorization.set("feed owner's user token", bearer(await server.tokenFor(owner)));
  authorization.set("someone else's user token", bearer(await server.tokenFor(stranger)));

  fixtures = { kept: {}, removable: {} };
  for (const user of [owner, other]) {
    fixtures.kept[user] = await addActivity(user);
    fixtures.removable[user] = await addActivity(user);
    await addActivity(user, { foreignId: 'removable' });
    await setUp({
      method: 'POST',
      path: `/feeds/timeline/${user}/follows`,
      body: { target: 'user:unfollowed' },
    });
  }
});
afterAll(() => server?.close());

const cells = operations.flatMap((operation) =>
  (["owner's feed", "another user's feed"] as const).flatMap((target) =>
    tokenKinds.map((kind) => ({
      operation,
      target,
      kind,
      expected: expectedStatus(kind, operation, target),
    })),
  ),
);

describe('the auth matrix', () => {
  it('covers every REST operation of the OpenAPI document', async () => {
    const response = await server.request('/api/v1/openapi.json', { token: null });
    const document = (await response.json()) as { paths: Record<string, object> };
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const templateOf = (request: Request) => `${request.method} ${request.path.split('?')[0]}`;
    const exercised = new Set(
      operations.map((operation) => {
        const request = operation.request(owner, fixtures);
        const concrete = templateOf(request);
        const match = documented.find((key) => matchesTemplate(key, concrete));
        expect(match, `${operation.name} (${concrete}) is a documented operation`).toBeDefined();
        return match;
      }),
    );
    expect([...exercised].sort()).toEqual([...documented].sort());
  });

  it.each(cells)('$operation.name · $kind · $target → $expected', async (cell) => {
    const user = cell.target === "owner's feed" ? owner : other;
    const response = await send(
      cell.operation.request(user, fixtures),
      authorization.get(cell.kind),
    );
    // A live stream never ends by itself: its status is all this needs.
    const streaming = response.headers.get('content-type')?.startsWith('text/event-stream');
    if (streaming) await response.body?.cancel();
    const body = (streaming ? {} : await response.json()) as { code?: string; message?: unknown };
    expect(response.status, JSON.stringify(body)).toBe(cell.expected);
    if (cell.expected === 401) expect(body.code).toBe('UNAUTHENTICATED');
    if (cell.expected === 403) expect(body.code).toBe('FORBIDDEN');
    if (cell.expected >= 400) expect(body.message).toEqual(expect.any(String));
  });
});

/**
 * Following copies the target's activities into the follower's timeline, so a follow is a
 * read of the target. The default groups' declarations (docs/product.md §1, as in Stream): only `user`
 * feeds can be followed, and anyone may read them; timelines, aggregated timelines and
 * notification feeds hold what was delivered to one reader and are followed by nobody.
 */
const defaultGroupRules = {
  user: { followable: true, readers: 'anyone' },
  timeline: { followable: false, readers: 'owner' },
  timeline_aggregated: { followable: false, readers: 'owner' },
  notification: { followable: false, readers: 'owner' },
} as const;

type FollowerKind = 'server API key' | "source owner's user token";

function expectedFollowStatus(
  follower: FollowerKind,
  group: keyof typeof defaultGroupRules,
  targetOwner: string,
): number {
  const rules = defaultGroupRules[group];
  if (!rules.followable) return 400;
  if (follower === 'server API key') return 200;
  return rules.readers === 'anyone' || targetOwner === owner ? 200 : 403;
}

const followCells = (Object.keys(defaultGroupRules) as (keyof typeof defaultGroupRules)[]).flatMap(
  (group) =>
    (['server API key', "source owner's user token"] as const).flatMap((follower) =>
      [owner, other].map((targetOwner) => ({
        group,
        follower,
        target: `${group}:${targetOwner}`,
        expected: expectedFollowStatus(follower, group, targetOwner),
      })),
    ),
);

describe('follow targets of every group', () => {
  const header = (follower: FollowerKind) =>
    follower === 'server API key'
      ? authorization.get('server API key')
      : authorization.get("feed owner's user token");

  it.each(followCells)(
    'timeline:ana follows $target · $follower → $expected',
    async ({ follower, target, expected }) => {
      const response = await send(
        { method: 'POST', path: `/feeds/timeline/${owner}/follows`, body: { target } },
        header(follower),
      );
      const body = (await response.json()) as {
        code?: string;
        details?: { fields?: { path: string }[] };
      };
      expect(response.status, JSON.stringify(body)).toBe(expected);
      if (expected === 400) {
        expect(body.code).toBe('VALIDATION_FAILED');
        expect(body.details?.fields?.map((field) => field.path)).toEqual(['target']);
      }
      if (expected === 403) expect(body.code).toBe('FORBIDDEN');
    },
  );

  it.each(followCells)(
    'follow many: timeline:ana → $target · $follower → $expected',
    async ({ follower, target, expected }) => {
      const response = await send(
        {
          method: 'POST',
          path: '/follows/batch',
          body: {
            follows: [
              { source: `timeline:${owner}`, target: 'user:many3' },
              { source: `timeline:${owner}`, target },
            ],
          },
        },
        header(follower),
      );
      const body = (await response.json()) as {
        code?: string;
        details?: { fields?: { path: string }[] };
      };
      expect(response.status, JSON.stringify(body)).toBe(expected);
      if (expected === 400) {
        expect(body.details?.fields?.map((field) => field.path)).toEqual(['follows[1].target']);
      }
    },
  );
});

describe('data reached through follows', () => {
  it("given bob's notification reached by a post to someone else, when ana tries every way to follow bob's private feeds, then neither her timeline, its stream nor its backfill show it", async () => {
    const anaToken = authorization.get("feed owner's user token");
    const before = await setUp({
      method: 'POST',
      path: '/feeds/user/leak-marker/activities',
      body: { actor: 'leak-marker', verb: 'post', object: 'before' },
    });
    const live = await openEventStream(`${server.url}/api/v1/feeds/timeline/${owner}/stream`, {
      ...(anaToken === undefined ? {} : { authorization: anaToken }),
    });
    try {
      await waitFor(() => live.events.length >= 1, { message: 'feed.watching' });
      for (const group of ['notification', 'timeline', 'timeline_aggregated']) {
        const response = await send(
          {
            method: 'POST',
            path: `/feeds/timeline/${owner}/follows`,
            body: { target: `${group}:${other}` },
          },
          anaToken,
        );
        expect(response.status, `following ${group}:${other}`).toBe(400);
      }
      const secret = await setUp({
        method: 'POST',
        path: '/feeds/user/dave/activities',
        body: { actor: 'dave', verb: 'mention', object: 'secret:1', to: [`notification:${other}`] },
      });
      const secretId = (secret.activity as { id: string }).id;
      // A follow ana may make, and a post through it: the stream's sign that it is caught up.
      await send(
        {
          method: 'POST',
          path: `/feeds/timeline/${owner}/follows`,
          body: { target: 'user:carol' },
        },
        anaToken,
      );
      const marker = await setUp({
        method: 'POST',
        path: '/feeds/user/carol/activities',
        body: { actor: 'carol', verb: 'post', object: 'marker:1' },
      });
      const markerId = (marker.activity as { id: string }).id;

      const bobs = await send(
        {
          method: 'GET',
          path: `/feeds/notification/${other}/activities?minPosition=${secret.position}`,
        },
        authorization.get('server API key'),
      );
      expect(JSON.stringify(await bobs.json()), "bob's notification holds it").toContain(secretId);

      const timeline = await send(
        {
          method: 'GET',
          path: `/feeds/timeline/${owner}/activities?limit=100&minPosition=${marker.position}`,
        },
        anaToken,
      );
      const page = JSON.stringify(await timeline.json());
      expect(page).toContain(markerId);
      expect(page).not.toContain(secretId);

      await waitFor(() => live.events.some((event) => event.data.includes(markerId)), {
        message: "carol's post on ana's stream",
      });
      expect(live.events.some((event) => event.data.includes(secretId))).toBe(false);

      const backfill = await openEventStream(
        `${server.url}/api/v1/feeds/timeline/${owner}/stream`,
        {
          ...(anaToken === undefined ? {} : { authorization: anaToken }),
          'last-event-id': String(before.position),
        },
      );
      try {
        await waitFor(() => backfill.events.some((event) => event.data.includes(markerId)), {
          message: "carol's post in the backfill",
        });
        expect(backfill.events.some((event) => event.data.includes(secretId))).toBe(false);
      } finally {
        await backfill.close();
      }
    } finally {
      await live.close();
    }
  });
});

/** Whether `METHOD /concrete/path` is an instance of `METHOD /path/{with}/{params}`. */
function matchesTemplate(template: string, concrete: string): boolean {
  const pattern = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${pattern}$`).test(concrete);
}
