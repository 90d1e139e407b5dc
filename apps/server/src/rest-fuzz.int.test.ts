import {
  activityTimeSchema,
  type ErrorCode,
  errorCodes,
  errorCodeTable,
  feedSchema,
} from '@tideline/domain';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from './app.js';
import { startTestServer, type TestServer } from './testing/test-server.js';

/*
 * Hostile input into every REST operation's path parameters, query and body, with the
 * server API key. Every generated request is invalid by construction — it always carries
 * at least one mutation that no valid request has (an unknown field, a wrong type, a
 * missing field, a malformed path parameter, malformed JSON, a body over 1 MiB or a
 * `Content-Encoding` the body does not have) — so the server must answer each with a 4xx
 * error body and append nothing to the log.
 */

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** How a body field is typed, so a value of the wrong type can be generated for it. */
type BodyKind =
  | 'text'
  | 'feed'
  | 'feeds'
  | 'time'
  | 'extra'
  | 'copyLimit'
  | 'markTarget'
  | 'set'
  | 'unset'
  | 'activities'
  | 'follows';
/** How a query parameter is typed; `cursor` has no value that is invalid for sure. */
type QueryKind = 'limit' | 'position' | 'boolean' | 'foreignId' | 'cursor';

interface FuzzOperation {
  method: Method;
  /** The OpenAPI path template, relative to `/api/v1`. */
  path: string;
  params: Record<string, RegExp>;
  validParams: Record<string, string>;
  query?: Record<string, QueryKind>;
  validQuery?: Record<string, string>;
  body?: Record<string, BodyKind>;
  validBody?: () => Record<string, unknown>;
  /** Groups of fields whose removal together makes the input invalid. */
  required?: string[][];
}

const group = /^[a-z0-9_]{1,64}$/;
const feedId = /^[A-Za-z0-9_-]{1,128}$/;
const activityId = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
/*
 * The valid requests the mutations start from name existing data (activity ids are filled
 * in once the activity exists), so a mutation that failed to make a request invalid would
 * show as a success or as an appended event.
 */
const activity = () => ({ actor: 'ana', verb: 'post', object: 'post:1' });

const fuzzOperations: FuzzOperation[] = [
  {
    method: 'POST',
    path: '/feeds/{group}/{id}/activities',
    params: { group, id: feedId },
    validParams: { group: 'user', id: 'ana' },
    body: {
      actor: 'text',
      verb: 'text',
      object: 'text',
      target: 'text',
      time: 'time',
      foreignId: 'text',
      to: 'feeds',
      extra: 'extra',
    },
    validBody: activity,
    required: [['actor'], ['verb'], ['object']],
  },
  {
    method: 'POST',
    path: '/feeds/{group}/{id}/activities/batch',
    params: { group, id: feedId },
    validParams: { group: 'user', id: 'ana' },
    body: { activities: 'activities' },
    validBody: () => ({ activities: [activity()] }),
    required: [['activities']],
  },
  {
    method: 'GET',
    path: '/feeds/{group}/{id}/activities',
    params: { group, id: feedId },
    validParams: { group: 'timeline', id: 'ana' },
    query: { limit: 'limit', cursor: 'cursor', minPosition: 'position' },
  },
  {
    method: 'DELETE',
    path: '/feeds/{group}/{id}/activities',
    params: { group, id: feedId },
    validParams: { group: 'user', id: 'ana' },
    query: { foreignId: 'foreignId' },
    validQuery: { foreignId: 'kept' },
    required: [['foreignId']],
  },
  {
    method: 'DELETE',
    path: '/feeds/{group}/{id}/activities/{activityId}',
    params: { group, id: feedId, activityId },
    validParams: { group: 'user', id: 'ana', activityId: '' },
  },
  {
    method: 'POST',
    path: '/feeds/{group}/{id}/follows',
    params: { group, id: feedId },
    validParams: { group: 'timeline', id: 'ana' },
    body: { target: 'feed', copyLimit: 'copyLimit' },
    validBody: () => ({ target: 'user:bob', copyLimit: 5 }),
    required: [['target']],
  },
  {
    method: 'DELETE',
    path: '/feeds/{group}/{id}/follows/{targetGroup}/{targetId}',
    params: { group, id: feedId, targetGroup: group, targetId: feedId },
    validParams: { group: 'timeline', id: 'ana', targetGroup: 'user', targetId: 'bob' },
    query: { keepHistory: 'boolean' },
  },
  {
    method: 'GET',
    path: '/feeds/{group}/{id}/stream',
    params: { group, id: feedId },
    validParams: { group: 'user', id: 'ana' },
    query: { lastEventId: 'position' },
  },
  {
    method: 'GET',
    path: '/feeds/{group}/{id}/following',
    params: { group, id: feedId },
    validParams: { group: 'timeline', id: 'ana' },
    query: { limit: 'limit', cursor: 'cursor' },
  },
  {
    method: 'GET',
    path: '/feeds/{group}/{id}/followers',
    params: { group, id: feedId },
    validParams: { group: 'user', id: 'bob' },
    query: { limit: 'limit', cursor: 'cursor' },
  },
  {
    method: 'POST',
    path: '/feeds/{group}/{id}/mark',
    params: { group, id: feedId },
    validParams: { group: 'notification', id: 'ana' },
    body: { seen: 'markTarget', read: 'markTarget' },
    validBody: () => ({ seen: true }),
    required: [['seen', 'read']],
  },
  {
    method: 'PATCH',
    path: '/activities/{activityId}',
    params: { activityId },
    validParams: { activityId: '' },
    body: { set: 'set', unset: 'unset' },
    validBody: () => ({ set: { 'stats.likes': 1 } }),
    required: [['set', 'unset']],
  },
  {
    method: 'POST',
    path: '/follows/batch',
    params: {},
    validParams: {},
    body: { follows: 'follows' },
    validBody: () => ({ follows: [{ source: 'timeline:ana', target: 'user:bob' }] }),
    required: [['follows']],
  },
  {
    method: 'GET',
    path: '/events',
    params: {},
    validParams: {},
    query: { after: 'position', limit: 'limit' },
  },
];

// --- Hostile strings ------------------------------------------------------------------

const hostileSnippets = [
  "' OR '1'='1",
  "'; DROP TABLE events; --",
  '" OR ""="',
  '1; SELECT pg_sleep(10)--',
  '$1',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg/onload=alert(1)>',
  '\u202Eevil\u202C',
  '\u200F\u200E',
  '\u200B',
  '\u200D',
  '\uFEFF',
  '👩‍👩‍👧‍👦',
  '💥',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\udbff',
  '\r\n',
  '\t',
  ' ',
  '%00',
  '%',
  '../../etc/passwd',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe
  '${7*7}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'null',
  '[]',
  '{}',
  'Ω≈ç√',
  'ﷺ',
];

const snippet = fc.constantFrom(...hostileSnippets);
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** Short enough for a URL (request heads over 16 KiB are a 431, tested on their own). */
const shortHostile = fc.oneof(
  snippet,
  fc
    .array(fc.oneof(snippet, loneSurrogate, fc.string({ unit: 'binary', maxLength: 8 })), {
      minLength: 1,
      maxLength: 6,
    })
    .map((parts) => parts.join('')),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.tuple(snippet, fc.integer({ min: 20, max: 120 })).map(([s, n]) => s.repeat(n).slice(0, n)),
);

/** May also be very long; for bodies only. */
const hostile = fc.oneof(
  { weight: 4, arbitrary: shortHostile },
  {
    weight: 1,
    arbitrary: fc
      .tuple(snippet, fc.integer({ min: 1_000, max: 200_000 }))
      .map(([s, n]) => s.repeat(Math.ceil(n / s.length))),
  },
);

const nonEmpty = (arbitrary: fc.Arbitrary<string>) => arbitrary.filter((s) => s !== '');

/** Any JSON value, with hostile strings and keys, nested up to 12 levels. */
const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 12 },
    hostile,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(shortHostile, tie('value'), { maxKeys: 3 }),
  ),
})).value;

/**
 * Nesting the validators refuse (extra is limited to 32 levels); bodies nested deeper than
 * 64 levels are refused while parsing, which the cases below check up to 10,000 levels.
 */
const deeplyNested = fc
  .integer({ min: 33, max: 1_000 })
  .map((depth) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`) as unknown);

// --- Values that are wrong for sure -----------------------------------------------------

const notAString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(shortHostile, { maxLength: 3 }),
  fc.dictionary(shortHostile, shortHostile, { maxKeys: 2 }),
);
const notAnArray = fc.oneof(
  hostile,
  fc.integer(),
  fc.constant(null),
  fc.dictionary(shortHostile, hostileJson, { maxKeys: 2 }),
);
const tooLong = fc
  .tuple(shortHostile, fc.integer({ min: 257, max: 2_000 }))
  .map(([s, n]) => s + 'x'.repeat(n));
const notAFeed = nonEmpty(shortHostile).filter((s) => !feedSchema.safeParse(s).success);
const notADateTime = shortHostile.filter((s) => !activityTimeSchema.safeParse(s).success);

const wrongBodyValue: Record<BodyKind, fc.Arbitrary<unknown>> = {
  text: fc.oneof(notAString, fc.constant(''), tooLong),
  feed: fc.oneof(notAString, notAFeed),
  feeds: fc.oneof(notAnArray, fc.array(fc.oneof(notAFeed, notAString), { minLength: 1 })),
  time: fc.oneof(notAString, notADateTime),
  extra: fc.oneof(hostile, fc.integer(), fc.constant(null), fc.array(hostileJson), deeplyNested),
  copyLimit: fc.oneof(
    fc.constantFrom(-1, 1.5, 1001, '5', true, null, 'ten', [5], {}),
    shortHostile,
  ),
  markTarget: fc.oneof(fc.constantFrom(false, [], 'all', 0, null, [1], {}), hostile),
  set: fc.oneof(fc.array(hostileJson), hostile, fc.integer(), fc.constant(null), deeplyNested),
  unset: fc.oneof(
    hostile,
    fc.integer(),
    fc.dictionary(shortHostile, hostileJson, { maxKeys: 2 }),
    fc.array(fc.oneof(fc.integer(), fc.constant(null)), { minLength: 1 }),
  ),
  activities: fc.oneof(
    fc.constant([]),
    notAnArray,
    fc.array(fc.oneof(hostile, fc.integer(), fc.constant(null)), { minLength: 1 }),
  ),
  follows: fc.oneof(
    fc.constant([]),
    notAnArray,
    fc.array(fc.oneof(hostile, fc.integer(), fc.constant(null)), { minLength: 1 }),
  ),
};

/** Well-formed hex whose transaction id or sequence does not fit PostgreSQL's bigint. */
const overflowingPosition = fc
  .tuple(fc.bigInt(0n, 2n ** 64n - 1n), fc.bigInt(0n, 2n ** 64n - 1n))
  .filter(([xid, seq]) => xid >= 2n ** 63n || seq >= 2n ** 63n)
  .map(([xid, seq]) => xid.toString(16).padStart(16, '0') + seq.toString(16).padStart(16, '0'));

/** A query value the REST adapter coerces with `Number()`; wrong if not 1…100. */
const wrongLimit = nonEmpty(shortHostile).filter((s) => {
  const n = Number(s);
  return !(Number.isInteger(n) && n >= 1 && n <= 100);
});
const wrongQueryValue: Partial<Record<QueryKind, fc.Arbitrary<string>>> = {
  limit: fc.oneof(fc.constantFrom('0', '101', '-1', '1.5', 'NaN', '1e3'), wrongLimit),
  position: fc.oneof(
    nonEmpty(shortHostile).filter((s) => !/^[0-9a-f]{32}$/.test(s)),
    overflowingPosition,
  ),
  boolean: nonEmpty(shortHostile).filter((s) => s !== 'true' && s !== 'false'),
  foreignId: tooLong,
};

// --- Requests -------------------------------------------------------------------------

type Mutation =
  | { kind: 'unknown field'; name: string; value: unknown }
  | { kind: 'wrong type'; name: string; value: unknown }
  | { kind: 'missing'; names: string[] }
  | { kind: 'bad path parameter'; name: string; value: string }
  | {
      kind: 'malformed JSON';
      style: 'truncate' | 'trailing' | 'bare key' | 'quotes';
      at: number;
      garbage: string;
    }
  | { kind: 'oversized body' }
  | { kind: 'false content-encoding'; encoding: string };

interface Decoration {
  params: Record<string, string>;
  query: Record<string, string>;
  body: Record<string, unknown>;
}

/** Path segments a URL parser would resolve away, rerouting the request. */
const routable = (s: string) => s !== '' && s !== '.' && s !== '..';

/** Hostile values in places where they may be valid: the mutations make the request bad. */
function decorations(op: FuzzOperation): fc.Arbitrary<Decoration> {
  const params = Object.keys(op.params);
  const query = Object.keys(op.query ?? {});
  const body = Object.entries(op.body ?? {});
  return fc.record({
    // Mostly valid path parameters, so the mutations, not the path, decide the outcome.
    params: fc.oneof(
      { weight: 3, arbitrary: fc.constant({}) },
      {
        weight: 1,
        arbitrary: fc.dictionary(
          params.length > 0 ? fc.constantFrom(...params) : fc.constant('-'),
          shortHostile.filter(routable),
          { maxKeys: params.length },
        ),
      },
    ),
    query: fc.dictionary(
      query.length > 0 ? fc.constantFrom(...query) : fc.constant('-'),
      nonEmpty(shortHostile),
      { maxKeys: query.length },
    ),
    body: fc.record(
      Object.fromEntries(
        body.map(([name, kind]) => [
          name,
          kind === 'extra' || kind === 'set'
            ? fc.dictionary(shortHostile, hostileJson)
            : hostileJson,
        ]),
      ),
      { requiredKeys: [] },
    ),
  });
}

function mutations(op: FuzzOperation): fc.Arbitrary<Mutation> {
  const options: fc.Arbitrary<Mutation>[] = [];
  const unknownName = shortHostile.map((s) => `unknown_${s}`);
  if (op.body) {
    options.push(
      fc.record({ kind: fc.constant('unknown field'), name: unknownName, value: hostileJson }),
      fc.oneof(
        ...Object.entries(op.body).map(([name, kind]) =>
          fc.record({
            kind: fc.constant('wrong type'),
            name: fc.constant(name),
            value: wrongBodyValue[kind],
          }),
        ),
      ),
      fc.record({
        kind: fc.constant('malformed JSON'),
        style: fc.constantFrom('truncate', 'trailing', 'bare key', 'quotes'),
        at: fc.nat(),
        garbage: shortHostile,
      }),
      fc.constant({ kind: 'oversized body' }),
      fc.record({
        kind: fc.constant('false content-encoding'),
        encoding: fc.constantFrom(
          'gzip',
          'deflate',
          'br',
          'GZIP',
          'x-gzip',
          'compress',
          'gzip, br',
        ),
      }),
    );
  } else {
    options.push(
      fc.record({
        kind: fc.constant('unknown field'),
        name: unknownName,
        value: nonEmpty(shortHostile),
      }),
    );
    const typed = Object.entries(op.query ?? {}).flatMap(([name, kind]) => {
      const value = wrongQueryValue[kind];
      return value
        ? [fc.record({ kind: fc.constant('wrong type'), name: fc.constant(name), value })]
        : [];
    });
    if (typed.length > 0) options.push(fc.oneof(...typed));
  }
  if (op.required && op.required.length > 0) {
    options.push(
      fc.record({ kind: fc.constant('missing'), names: fc.constantFrom(...op.required) }),
    );
  }
  for (const [name, pattern] of Object.entries(op.params)) {
    const bad = shortHostile.filter((s) => routable(s) && !pattern.test(s));
    options.push(
      fc.record({ kind: fc.constant('bad path parameter'), name: fc.constant(name), value: bad }),
    );
  }
  return fc.oneof(...(options as [fc.Arbitrary<Mutation>, ...fc.Arbitrary<Mutation>[]]));
}

/** Percent-encodes like encodeURIComponent, sending lone surrogates as their WTF-8 bytes. */
function percentEncode(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (char.length === 1 && code >= 0xd800 && code <= 0xdfff) {
      const bytes = [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
      out += bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

interface Built {
  method: Method;
  url: string;
  body?: string;
  headers?: Record<string, string>;
}

function build(op: FuzzOperation, decoration: Decoration, changes: readonly Mutation[]): Built {
  const params: Record<string, string> = {
    ...op.validParams,
    ...pick(decoration.params, op.params),
  };
  const query: Record<string, string> = {
    ...op.validQuery,
    ...pick(decoration.query, op.query ?? {}),
  };
  const body: Record<string, unknown> | undefined = op.validBody && {
    ...op.validBody(),
    ...decoration.body,
  };
  let corrupt: ((text: string) => string) | undefined;
  const headers: Record<string, string> = {};
  for (const change of changes) {
    const target: Record<string, unknown> = body ?? query;
    switch (change.kind) {
      case 'unknown field':
      case 'wrong type':
        target[change.name] = change.value;
        break;
      case 'missing':
        for (const name of change.names) delete target[name];
        break;
      case 'bad path parameter':
        params[change.name] = change.value;
        break;
      case 'oversized body':
        if (body) body.unknown_padding = 'x'.repeat(MAX_BODY_BYTES);
        break;
      case 'malformed JSON':
        corrupt = malform(change);
        break;
      case 'false content-encoding':
        // The body stays plain text: it never decodes as the header says.
        headers['content-encoding'] = change.encoding;
        break;
    }
  }
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    percentEncode(params[name] ?? ''),
  );
  const search = Object.entries(query)
    .map(([key, value]) => `${percentEncode(key)}=${percentEncode(String(value))}`)
    .join('&');
  const text = body === undefined ? undefined : JSON.stringify(body);
  return {
    method: op.method,
    url: `/api/v1${path}${search === '' ? '' : `?${search}`}`,
    ...(text === undefined ? {} : { body: corrupt ? corrupt(text) : text }),
    ...(Object.keys(headers).length === 0 ? {} : { headers }),
  };
}

function pick<T>(values: Record<string, T>, known: Record<string, unknown>): Record<string, T> {
  return Object.fromEntries(Object.entries(values).filter(([name]) => name in known));
}

/** Corruptions that no JSON parser accepts, whatever the text they start from. */
function malform(change: Extract<Mutation, { kind: 'malformed JSON' }>): (text: string) => string {
  switch (change.style) {
    case 'truncate':
      // A proper prefix of an object's text never closes the object.
      return (text) => text.slice(0, 1 + (change.at % (text.length - 1)));
    case 'trailing':
      return (text) => `${text},${change.garbage}`;
    case 'bare key':
      return (text) => `{${change.garbage.replace(/["\\]/g, '')}x:1,${text.slice(1)}`;
    case 'quotes':
      return (text) => `{'a':1,${text.slice(1)}`;
  }
}

// --- The property ---------------------------------------------------------------------

let server: TestServer;

async function eventCount(): Promise<number> {
  const result = await sql<{ count: number }>`SELECT count(*)::int AS count FROM events`.execute(
    server.harness.testDb.db,
  );
  return result.rows[0]?.count ?? -1;
}

async function send(
  request: Built,
): Promise<{ status: number; type: string | null; text: string }> {
  const controller = new AbortController();
  const response = await server.request(request.url, {
    method: request.method,
    signal: controller.signal,
    ...(request.body === undefined ? {} : { body: request.body }),
    ...(request.headers === undefined ? {} : { headers: request.headers }),
  });
  const type = response.headers.get('content-type');
  // A request that opened a live stream was valid after all: report it, do not wait on it.
  if (type?.startsWith('text/event-stream')) controller.abort();
  return {
    status: response.status,
    type,
    text: controller.signal.aborted ? '' : await response.text(),
  };
}

function expectErrorBody(reply: { status: number; type: string | null; text: string }) {
  expect(reply.status, reply.text).toBeGreaterThanOrEqual(400);
  expect(reply.status, reply.text).toBeLessThan(500);
  expect(reply.type).toMatch(/^application\/json/);
  const body = JSON.parse(reply.text) as { code?: unknown; message?: unknown };
  expect(errorCodes).toContain(body.code);
  expect(body.message).toEqual(expect.any(String));
  expect(errorCodeTable[body.code as ErrorCode].httpStatus).toBe(reply.status);
}

beforeAll(async () => {
  server = await startTestServer('rest_fuzz');
  // What the valid requests name: a follow edge, an activity, a notification.
  const follow = await server.request('/api/v1/feeds/timeline/ana/follows', {
    method: 'POST',
    body: JSON.stringify({ target: 'user:bob' }),
  });
  const add = await server.request('/api/v1/feeds/user/ana/activities', {
    method: 'POST',
    body: JSON.stringify({ ...activity(), foreignId: 'kept', to: ['notification:ana'] }),
  });
  if (follow.status !== 200 || add.status !== 201) throw new Error('setup failed');
  const { activity: kept } = (await add.json()) as { activity: { id: string } };
  for (const op of fuzzOperations) {
    if ('activityId' in op.params) op.validParams.activityId = kept.id;
  }
  await server.harness.quiesce();
});
afterAll(() => server?.close());

describe('hostile, invalid requests', () => {
  it('cover every operation of the OpenAPI document', async () => {
    const response = await server.request('/api/v1/openapi.json', { token: null });
    const document = (await response.json()) as { paths: Record<string, object> };
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(fuzzOperations.map((op) => `${op.method} ${op.path}`).sort()).toEqual(documented.sort());
  });

  it.each(fuzzOperations.map((op, index) => ({ op, index, name: `${op.method} ${op.path}` })))(
    '$name: never a 5xx, always a known error, nothing appended',
    async ({ op, index }) => {
      const before = await eventCount();
      await fc.assert(
        fc.asyncProperty(
          decorations(op),
          fc.array(mutations(op), { minLength: 1, maxLength: 3 }),
          async (decoration, changes) => {
            const reply = await send(build(op, decoration, changes));
            expectErrorBody(reply);
            expect(await eventCount()).toBe(before);
          },
        ),
        // 13 operations × 12 runs ≈ 150 requests; a failure prints the seed and the request.
        { seed: 20_240_501 + index, numRuns: 12, endOnFailure: true },
      );
    },
  );
});

describe('strings and shapes PostgreSQL or a recursive walk could not take', () => {
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  // Each once answered 500 INTERNAL; docs/product.md §5 says bad input never yields one.
  it.each([
    {
      name: 'NUL in an activity field',
      method: 'POST',
      url: '/api/v1/feeds/user/ana/activities',
      body: '{"actor":"a\\u0000b","verb":"post","object":"post:1"}',
    },
    {
      name: 'a lone surrogate in an activity field',
      method: 'POST',
      url: '/api/v1/feeds/user/ana/activities',
      body: '{"actor":"a\\ud800b","verb":"post","object":"post:1"}',
    },
    {
      name: 'NUL in an extra key',
      method: 'POST',
      url: '/api/v1/feeds/user/ana/activities',
      body: '{"actor":"ana","verb":"post","object":"post:1","extra":{"k\\u0000":1}}',
    },
    {
      name: 'NUL in a marked group id',
      method: 'POST',
      url: '/api/v1/feeds/notification/ana/mark',
      body: '{"seen":["group\\u0000"]}',
    },
    {
      name: 'NUL in the foreignId of a removal',
      method: 'DELETE',
      url: '/api/v1/feeds/user/ana/activities?foreignId=a%00b',
    },
    {
      name: 'a body nested 10,000 levels deep (even unauthenticated)',
      method: 'POST',
      url: '/api/v1/follows/batch',
      body: `{"follows":${nested(10_000)}}`,
      token: null,
    },
  ] as const)('$name answers 400 naming the problem', async ({ method, url, ...rest }) => {
    const body = 'body' in rest ? rest.body : undefined;
    const response = await server.request(url, {
      method,
      ...(body === undefined ? {} : { body }),
      ...('token' in rest ? { token: rest.token } : {}),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(/NUL|Unicode|nest deeper/),
    });
  });
});

describe('positions PostgreSQL cannot compare', () => {
  // Well-formed hex whose parts overflow bigint/xid8: each once answered 500 INTERNAL.
  const overflowing = ['00000000000000018000000000000000', 'f'.repeat(32)];
  const cases = overflowing.flatMap((position) => [
    { field: 'after', url: `/api/v1/events?after=${position}` },
    { field: 'minPosition', url: `/api/v1/feeds/timeline/ana/activities?minPosition=${position}` },
    {
      field: 'minPosition',
      url: `/api/v1/feeds/notification/ana/activities?minPosition=${position}`,
    },
    { field: 'minPosition', url: `/api/v1/feeds/timeline/ana/following?minPosition=${position}` },
    { field: 'minPosition', url: `/api/v1/feeds/user/bob/followers?minPosition=${position}` },
    { field: 'lastEventId', url: `/api/v1/feeds/user/ana/stream?lastEventId=${position}` },
    {
      field: 'lastEventId',
      url: '/api/v1/feeds/user/ana/stream',
      headers: { 'last-event-id': position },
    },
  ]);

  it.each(cases)('$url $headers answers 400 naming $field', async ({ field, url, ...rest }) => {
    const reply = await send({ method: 'GET', url, ...rest });
    expect(reply.status, reply.text).toBe(400);
    expect(JSON.parse(reply.text)).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { fields: [{ path: field }] },
    });
  });

  it.each(overflowing)('the tRPC watch refuses lastEventId %s as VALIDATION_FAILED', async (id) => {
    const input = encodeURIComponent(JSON.stringify({ group: 'user', id: 'ana', lastEventId: id }));
    const controller = new AbortController();
    const response = await server.request(`/trpc/feeds.watch?input=${input}`, {
      signal: controller.signal,
    });
    const reader = response.body?.getReader();
    let text = '';
    while (reader && !/event: serialized-error\ndata: .*\n/.test(text)) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    controller.abort();
    expect(text).toMatch(/VALIDATION_FAILED/);
    expect(text).toMatch(/lastEventId/);
  });
});

describe('cursors at the edges of what they encode', () => {
  const id = '7ZZZZZZZZZZZZZZZZZZZZZZZZZ';
  const edges = ['9999999999999999', '-9999999999999999'].map((ms) =>
    Buffer.from(`${ms}:${id}`).toString('base64url'),
  );
  it.each(
    edges.flatMap((cursor) =>
      ['timeline/ana/activities', 'notification/ana/activities'].map((path) => ({ cursor, path })),
    ),
  )(
    'GET $path with cursor $cursor reads an empty or partial page, never a 500',
    async ({ cursor, path }) => {
      const reply = await send({ method: 'GET', url: `/api/v1/feeds/${path}?cursor=${cursor}` });
      expect(reply.status, reply.text).toBe(200);
    },
  );
});

describe('Content-Encoding that does not match the body', () => {
  // Every operation but the reads, which fetch cannot send a body with: the six that
  // document a body and the two DELETEs, whose bodies are parsed (and refused) too.
  const bodied = fuzzOperations.filter((op) => op.method !== 'GET');
  const plain = (op: FuzzOperation): Built => ({
    ...build(op, { params: {}, query: {}, body: {} }, []),
    body: JSON.stringify(op.validBody?.() ?? {}),
  });
  const cases = bodied.flatMap((op) =>
    (['gzip', 'deflate', 'br', 'GZip'] as const).map((encoding) => ({
      op,
      encoding,
      name: `${op.method} ${op.path}`,
    })),
  );

  it.each(cases)(
    '$name with $encoding on a plain body: 400, nothing appended',
    async ({ op, encoding }) => {
      const before = await eventCount();
      const reply = await send({ ...plain(op), headers: { 'content-encoding': encoding } });
      expectErrorBody(reply);
      expect(reply.status, reply.text).toBe(400);
      expect(JSON.parse(reply.text)).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: expect.stringMatching(new RegExp(`${encoding}.*content-encoding`, 'i')),
        details: { fields: [{ path: 'body' }] },
      });
      expect(await eventCount()).toBe(before);
    },
  );

  it.each(bodied.map((op) => ({ op, name: `${op.method} ${op.path}` })))(
    '$name with an unsupported encoding: 415, nothing appended',
    async ({ op }) => {
      const before = await eventCount();
      const reply = await send({ ...plain(op), headers: { 'content-encoding': 'compress' } });
      expectErrorBody(reply);
      expect(reply.status, reply.text).toBe(415);
      expect(JSON.parse(reply.text)).toMatchObject({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: expect.stringMatching(/content-encoding/i),
      });
      expect(await eventCount()).toBe(before);
    },
  );
});

describe('a query string over the request head limit', () => {
  const longQuery = `unknown=${'x'.repeat(70 * 1024)}`;
  it.each(fuzzOperations.map((op) => ({ op, name: `${op.method} ${op.path}` })))(
    '$name: 431 HEADERS_TOO_LARGE, nothing appended',
    async ({ op }) => {
      const before = await eventCount();
      const request = build(op, { params: {}, query: {}, body: {} }, []);
      const separator = request.url.includes('?') ? '&' : '?';
      const reply = await send({ ...request, url: `${request.url}${separator}${longQuery}` });
      expectErrorBody(reply);
      expect(reply.status).toBe(431);
      expect(JSON.parse(reply.text)).toMatchObject({ message: expect.stringMatching(/16 KiB/) });
      expect(await eventCount()).toBe(before);
    },
  );
});
