import { request as httpRequest } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { Validator } from '@seriousme/openapi-schema-validator';
import { openApiDocument } from '@tideline/api';
import { type ErrorCode, errorCodes, errorCodeTable } from '@tideline/domain';
import { waitFor } from '@tideline/event-store/testing';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_API_KEY, type TestServer } from './testing/test-server.js';

/*
 * The REST API against its own OpenAPI document: every operation the document lists has
 * cases here (a success and its error statuses), and every response body is validated
 * against the schema the document declares for that path, method and status.
 */

const methods = ['get', 'post', 'put', 'patch', 'delete'] as const;
type Method = (typeof methods)[number];

interface ResponseObject {
  content?: Record<string, { schema?: unknown }>;
}
interface OperationObject {
  requestBody?: unknown;
  responses: Record<string, ResponseObject | undefined>;
}
interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Partial<Record<Method, OperationObject>>>;
  components: { schemas: Record<string, unknown> };
}

/** `POST /feeds/{group}/{id}/activities` for every operation of a document. */
function operationsOf(doc: OpenApiDoc): { key: string; path: string; method: Method }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    methods
      .filter((method) => item[method] !== undefined)
      .map((method) => ({ key: `${method.toUpperCase()} ${path}`, path, method })),
  );
}

// The document as the code generates it, so the cases below are collected per operation;
// the served document is checked to be this one.
const generated = JSON.parse(JSON.stringify(openApiDocument('/api/v1'))) as OpenApiDoc;

interface Fixtures {
  anaToken: string;
  /** In user:ana; updated by the success case. */
  updatable: string;
  /** In user:ana; removed by the success case. */
  removable: string;
  /** In user:ana with foreignId `contract-fid`; removed by the success case. */
  byForeignId: string;
  /** Removed before the tests start. */
  removed: string;
}

interface Call {
  /** Relative to `/api/v1`. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
  contentType?: string;
  /** Defaults to the server API key; `null` sends none. */
  token?: string | null;
}

interface ContractCase {
  name: string;
  status: number;
  /** Expected error code; defaults to the one code mapped to `status`. */
  code?: ErrorCode;
  /** A field the error must name. */
  field?: string;
  call(f: Fixtures): Call;
  check?(body: unknown, f: Fixtures): void;
}

const activityBody = { actor: 'ana', verb: 'post', object: 'post:1' };
const fidTime = '2024-05-01T12:00:00.000Z';
const unknownId = '01ARYZ6S41TSV4RRFFQ69G5FAV';

/** Cases shared by every operation: no token, and a body that is not JSON. */
const unauthenticated = (call: Call): ContractCase => ({
  name: 'without a token',
  status: 401,
  call: () => ({ ...call, token: null }),
});
const notJson = (call: Call): ContractCase => ({
  name: 'with a text/plain body',
  status: 415,
  call: () => ({ ...call, body: undefined, rawBody: 'actor=ana', contentType: 'text/plain' }),
});

const contract: Record<string, ContractCase[]> = {
  'POST /feeds/{group}/{id}/activities': [
    {
      name: 'adds an activity',
      status: 201,
      call: () => ({ path: '/feeds/user/ana/activities', body: activityBody }),
      check: (body) =>
        expect(body).toMatchObject({ activity: { feed: 'user:ana', ...activityBody } }),
    },
    {
      // 409 is never reached here: the command returns the original instead (docs/product.md §1).
      name: 'returns the original when (feed, foreignId, time) was added before',
      status: 201,
      call: () => ({
        path: '/feeds/user/ana/activities',
        body: { ...activityBody, object: 'post:2', foreignId: 'contract-fid', time: fidTime },
      }),
      check: (body, f) => expect(body).toMatchObject({ activity: { id: f.byForeignId } }),
    },
    {
      name: 'adds its own activity with a user token',
      status: 201,
      call: (f) => ({ path: '/feeds/user/ana/activities', body: activityBody, token: f.anaToken }),
    },
    {
      name: 'without a required field',
      status: 400,
      field: 'object',
      call: () => ({ path: '/feeds/user/ana/activities', body: { actor: 'ana', verb: 'post' } }),
    },
    {
      name: 'to an unconfigured feed group',
      status: 400,
      field: 'group',
      call: () => ({ path: '/feeds/nope/ana/activities', body: activityBody }),
    },
    {
      name: 'copying to an unconfigured feed group',
      status: 400,
      field: 'to[0]',
      call: () => ({ path: '/feeds/user/ana/activities', body: { ...activityBody, to: ['x:y'] } }),
    },
    unauthenticated({ path: '/feeds/user/ana/activities', body: activityBody }),
    {
      name: "to someone else's feed with a user token",
      status: 403,
      call: (f) => ({
        path: '/feeds/user/bob/activities',
        body: { ...activityBody, actor: 'bob' },
        token: f.anaToken,
      }),
    },
    notJson({ path: '/feeds/user/ana/activities' }),
  ],

  'POST /feeds/{group}/{id}/activities/batch': [
    {
      name: 'adds activities in order',
      status: 200,
      call: () => ({
        path: '/feeds/user/ana/activities/batch',
        body: { activities: [activityBody, { ...activityBody, object: 'post:3' }] },
      }),
      check: (body) =>
        expect(
          (body as { results: { activity: { object: string } }[] }).results.map(
            (r) => r.activity.object,
          ),
        ).toEqual(['post:1', 'post:3']),
    },
    {
      name: 'with no activities',
      status: 400,
      field: 'activities',
      call: () => ({ path: '/feeds/user/ana/activities/batch', body: { activities: [] } }),
    },
    {
      name: 'with more than 100 activities',
      status: 400,
      field: 'activities',
      call: () => ({
        path: '/feeds/user/ana/activities/batch',
        body: { activities: Array.from({ length: 101 }, () => activityBody) },
      }),
    },
    unauthenticated({ path: '/feeds/user/ana/activities/batch', body: { activities: [] } }),
    {
      name: 'with a user token and an activity of another actor',
      status: 403,
      call: (f) => ({
        path: '/feeds/user/ana/activities/batch',
        body: { activities: [activityBody, { ...activityBody, actor: 'bob' }] },
        token: f.anaToken,
      }),
    },
    notJson({ path: '/feeds/user/ana/activities/batch' }),
  ],

  'GET /feeds/{group}/{id}/activities': [
    {
      name: 'reads a flat feed',
      status: 200,
      call: () => ({ path: '/feeds/user/ana/activities', query: { limit: '2' } }),
      check: (body) => {
        expect(body).toMatchObject({ kind: 'flat' });
        expect((body as { results: unknown[] }).results).toHaveLength(2);
      },
    },
    {
      name: 'reads a notification feed with its counts',
      status: 200,
      call: () => ({ path: '/feeds/notification/ana/activities' }),
      check: (body) => expect(body).toMatchObject({ kind: 'notification', unseen: 1, unread: 1 }),
    },
    {
      name: 'reads an aggregated feed',
      status: 200,
      call: () => ({ path: '/feeds/timeline_aggregated/ana/activities' }),
      check: (body) => {
        expect(body).toMatchObject({ kind: 'aggregated' });
        expect((body as { results: unknown[] }).results).toHaveLength(1);
      },
    },
    {
      name: 'reads its own feed with a user token',
      status: 200,
      call: (f) => ({ path: '/feeds/timeline/ana/activities', token: f.anaToken }),
    },
    {
      name: 'with a limit over 100',
      status: 400,
      field: 'limit',
      call: () => ({ path: '/feeds/user/ana/activities', query: { limit: '101' } }),
    },
    {
      name: 'with a cursor no page returned',
      status: 400,
      field: 'cursor',
      call: () => ({ path: '/feeds/user/ana/activities', query: { cursor: 'not-a-cursor' } }),
    },
    {
      name: 'with a minPosition no write returned',
      status: 400,
      field: 'minPosition',
      call: () => ({ path: '/feeds/user/ana/activities', query: { minPosition: 'yesterday' } }),
    },
    {
      name: 'of an unconfigured feed group',
      status: 400,
      field: 'group',
      call: () => ({ path: '/feeds/nope/ana/activities' }),
    },
    {
      name: 'with a malformed feed id',
      status: 400,
      field: 'id',
      call: () => ({ path: `/feeds/user/${encodeURIComponent('a:b')}/activities` }),
    },
    unauthenticated({ path: '/feeds/user/ana/activities' }),
    {
      name: "of someone else's private feed with a user token",
      status: 403,
      call: (f) => ({ path: '/feeds/timeline/bob/activities', token: f.anaToken }),
    },
    {
      name: "of someone else's user feed (readers: anyone) with a user token",
      status: 200,
      call: (f) => ({ path: '/feeds/user/bob/activities', token: f.anaToken }),
    },
  ],

  'DELETE /feeds/{group}/{id}/activities': [
    {
      name: 'removes the activities with a foreignId',
      status: 200,
      call: () => ({ path: '/feeds/user/ana/activities', query: { foreignId: 'contract-fid' } }),
      check: (body, f) => expect(body).toMatchObject({ removed: [f.byForeignId] }),
    },
    {
      name: 'without a foreignId',
      status: 400,
      field: 'foreignId',
      call: () => ({ path: '/feeds/user/ana/activities' }),
    },
    unauthenticated({ path: '/feeds/user/ana/activities', query: { foreignId: 'x' } }),
    {
      name: 'with a user token, even on its own feed',
      status: 403,
      call: (f) => ({
        path: '/feeds/user/ana/activities',
        query: { foreignId: 'contract-fid' },
        token: f.anaToken,
      }),
    },
    {
      name: 'with a foreignId the feed never had',
      status: 404,
      call: () => ({ path: '/feeds/user/ana/activities', query: { foreignId: 'never' } }),
    },
  ],

  'DELETE /feeds/{group}/{id}/activities/{activityId}': [
    {
      name: 'removes an activity',
      status: 200,
      call: (f) => ({ path: `/feeds/user/ana/activities/${f.removable}` }),
      check: (body, f) => expect(body).toMatchObject({ removed: [f.removable] }),
    },
    {
      name: 'removes it again as a no-op',
      status: 200,
      call: (f) => ({ path: `/feeds/user/ana/activities/${f.removable}` }),
      check: (body) => expect(body).toMatchObject({ removed: [] }),
    },
    {
      name: 'with a malformed activity id',
      status: 400,
      field: 'activityId',
      call: () => ({ path: '/feeds/user/ana/activities/not-an-id' }),
    },
    unauthenticated({ path: `/feeds/user/ana/activities/${unknownId}` }),
    {
      name: 'with a user token, even on its own feed',
      status: 403,
      call: (f) => ({ path: `/feeds/user/ana/activities/${f.updatable}`, token: f.anaToken }),
    },
    {
      name: 'that never existed',
      status: 404,
      call: () => ({ path: `/feeds/user/ana/activities/${unknownId}` }),
    },
    {
      name: 'from a feed it is not in',
      status: 404,
      call: (f) => ({ path: `/feeds/user/bob/activities/${f.updatable}` }),
    },
  ],

  'POST /feeds/{group}/{id}/follows': [
    {
      name: 'follows a feed',
      status: 200,
      call: () => ({ path: '/feeds/timeline/ana/follows', body: { target: 'user:dan' } }),
      check: (body) => expect(body).toMatchObject({ changed: true }),
    },
    {
      name: 'follows it again as a no-op',
      status: 200,
      call: () => ({ path: '/feeds/timeline/ana/follows', body: { target: 'user:dan' } }),
      check: (body) => expect(body).toMatchObject({ changed: false }),
    },
    {
      name: 'itself',
      status: 400,
      field: 'target',
      call: () => ({ path: '/feeds/user/ana/follows', body: { target: 'user:ana' } }),
    },
    {
      name: 'a feed of an unconfigured group',
      status: 400,
      field: 'target',
      call: () => ({ path: '/feeds/timeline/ana/follows', body: { target: 'nope:bob' } }),
    },
    {
      name: 'with a copyLimit over 1000',
      status: 400,
      field: 'copyLimit',
      call: () => ({
        path: '/feeds/timeline/ana/follows',
        body: { target: 'user:bob', copyLimit: 1001 },
      }),
    },
    unauthenticated({ path: '/feeds/timeline/ana/follows', body: { target: 'user:bob' } }),
    {
      name: "from someone else's feed with a user token",
      status: 403,
      call: (f) => ({
        path: '/feeds/timeline/bob/follows',
        body: { target: 'user:ana' },
        token: f.anaToken,
      }),
    },
    {
      name: 'a feed of a group that cannot be followed',
      status: 400,
      call: () => ({ path: '/feeds/timeline/ana/follows', body: { target: 'notification:bob' } }),
    },
    notJson({ path: '/feeds/timeline/ana/follows' }),
  ],

  'DELETE /feeds/{group}/{id}/follows/{targetGroup}/{targetId}': [
    {
      name: 'unfollows a feed',
      status: 200,
      call: () => ({
        path: '/feeds/timeline/ana/follows/user/carl',
        query: { keepHistory: 'true' },
      }),
      check: (body) => expect(body).toMatchObject({ changed: true }),
    },
    {
      name: 'with a keepHistory other than true or false',
      status: 400,
      field: 'keepHistory',
      call: () => ({ path: '/feeds/timeline/ana/follows/user/bob', query: { keepHistory: 'yes' } }),
    },
    {
      name: 'a feed of an unconfigured group',
      status: 400,
      field: 'targetGroup',
      call: () => ({ path: '/feeds/timeline/ana/follows/nope/bob' }),
    },
    unauthenticated({ path: '/feeds/timeline/ana/follows/user/bob' }),
    {
      name: "from someone else's feed with a user token",
      status: 403,
      call: (f) => ({ path: '/feeds/timeline/bob/follows/user/ana', token: f.anaToken }),
    },
    {
      name: 'a feed it never followed',
      status: 404,
      call: () => ({ path: '/feeds/timeline/ana/follows/user/nobody' }),
    },
  ],

  'GET /feeds/{group}/{id}/following': [
    {
      name: 'lists the feeds it follows',
      status: 200,
      call: () => ({ path: '/feeds/timeline/ana/following', query: { limit: '1' } }),
      check: (body) =>
        expect(body).toMatchObject({ results: [{ feed: 'user:bob' }], next: expect.any(String) }),
    },
    {
      name: 'with a cursor no page returned',
      status: 400,
      field: 'cursor',
      call: () => ({ path: '/feeds/timeline/ana/following', query: { cursor: '%%%' } }),
    },
    unauthenticated({ path: '/feeds/timeline/ana/following' }),
    {
      name: "of someone else's feed with a user token",
      status: 403,
      call: (f) => ({ path: '/feeds/timeline/bob/following', token: f.anaToken }),
    },
  ],

  'GET /feeds/{group}/{id}/followers': [
    {
      name: 'lists the feeds following it',
      status: 200,
      call: () => ({ path: '/feeds/user/bob/followers' }),
      check: (body) => expect(body).toEqual({ results: [{ feed: 'timeline:ana' }], next: null }),
    },
    {
      name: 'with a limit of 0',
      status: 400,
      field: 'limit',
      call: () => ({ path: '/feeds/user/bob/followers', query: { limit: '0' } }),
    },
    unauthenticated({ path: '/feeds/user/bob/followers' }),
    {
      name: "of someone else's private feed with a user token",
      status: 403,
      call: (f) => ({ path: '/feeds/timeline/bob/followers', token: f.anaToken }),
    },
  ],

  'POST /feeds/{group}/{id}/mark': [
    {
      name: 'marks every group seen',
      status: 200,
      call: () => ({ path: '/feeds/notification/ana/mark', body: { seen: true } }),
    },
    {
      name: 'marks its own notifications read with a user token',
      status: 200,
      call: (f) => ({
        path: '/feeds/notification/ana/mark',
        body: { read: true },
        token: f.anaToken,
      }),
    },
    {
      name: 'with neither seen nor read',
      status: 400,
      call: () => ({ path: '/feeds/notification/ana/mark', body: {} }),
    },
    {
      name: 'of a feed that is not a notification feed',
      status: 400,
      call: () => ({ path: '/feeds/user/ana/mark', body: { seen: true } }),
    },
    unauthenticated({ path: '/feeds/notification/ana/mark', body: { seen: true } }),
    {
      name: "of someone else's notifications with a user token",
      status: 403,
      call: (f) => ({
        path: '/feeds/notification/bob/mark',
        body: { seen: true },
        token: f.anaToken,
      }),
    },
    notJson({ path: '/feeds/notification/ana/mark' }),
  ],

  'PATCH /activities/{activityId}': [
    {
      name: "updates an activity's extra",
      status: 200,
      call: (f) => ({ path: `/activities/${f.updatable}`, body: { set: { 'stats.likes': 3 } } }),
      check: (body) => expect(body).toMatchObject({ activity: { extra: { stats: { likes: 3 } } } }),
    },
    {
      name: 'with nothing to set or unset',
      status: 400,
      call: (f) => ({ path: `/activities/${f.updatable}`, body: {} }),
    },
    {
      name: 'with a malformed path',
      status: 400,
      field: 'set["a..b"]',
      call: (f) => ({ path: `/activities/${f.updatable}`, body: { set: { 'a..b': 1 } } }),
    },
    unauthenticated({ path: `/activities/${unknownId}`, body: { set: { a: 1 } } }),
    {
      name: 'with a user token, even for its own activity',
      status: 403,
      call: (f) => ({
        path: `/activities/${f.updatable}`,
        body: { set: { a: 1 } },
        token: f.anaToken,
      }),
    },
    {
      name: 'that never existed',
      status: 404,
      call: () => ({ path: `/activities/${unknownId}`, body: { set: { a: 1 } } }),
    },
    {
      // updateActivity reports a removed activity as NOT_FOUND, not as a conflict.
      name: 'that was removed',
      status: 404,
      call: (f) => ({ path: `/activities/${f.removed}`, body: { set: { a: 1 } } }),
    },
    notJson({ path: `/activities/${unknownId}` }),
  ],

  'POST /follows/batch': [
    {
      name: 'follows several feeds',
      status: 200,
      call: () => ({
        path: '/follows/batch',
        body: {
          follows: [
            { source: 'timeline:ana', target: 'user:erin' },
            { source: 'timeline:bob', target: 'user:erin' },
          ],
        },
      }),
      check: (body) => expect((body as { results: unknown[] }).results).toHaveLength(2),
    },
    {
      name: 'with no follows',
      status: 400,
      field: 'follows',
      call: () => ({ path: '/follows/batch', body: { follows: [] } }),
    },
    {
      name: 'with a target of an unconfigured group',
      status: 400,
      field: 'follows[0].target',
      call: () => ({
        path: '/follows/batch',
        body: { follows: [{ source: 'timeline:ana', target: 'nope:bob' }] },
      }),
    },
    unauthenticated({ path: '/follows/batch', body: { follows: [] } }),
    {
      name: "with a user token and someone else's source",
      status: 403,
      call: (f) => ({
        path: '/follows/batch',
        body: {
          follows: [
            { source: 'timeline:ana', target: 'user:erin' },
            { source: 'timeline:bob', target: 'user:dan' },
          ],
        },
        token: f.anaToken,
      }),
    },
    notJson({ path: '/follows/batch' }),
  ],

  'GET /events': [
    {
      name: 'reads the event log',
      status: 200,
      call: () => ({ path: '/events', query: { limit: '2' } }),
      check: (body) => expect((body as { results: unknown[] }).results).toHaveLength(2),
    },
    {
      name: 'after a position',
      status: 200,
      call: () => ({ path: '/events', query: { after: '0'.repeat(32), limit: '1' } }),
      check: (body) =>
        expect(body).toMatchObject({ results: [{ type: 'ActivityAdded', streamVersion: 1 }] }),
    },
    {
      name: 'after something that is not a position',
      status: 400,
      field: 'after',
      call: () => ({ path: '/events', query: { after: 'last-tuesday' } }),
    },
    {
      name: 'with an unknown parameter',
      status: 400,
      field: 'offset',
      call: () => ({ path: '/events', query: { offset: '5' } }),
    },
    unauthenticated({ path: '/events' }),
    {
      name: 'with a user token',
      status: 403,
      call: (f) => ({ path: '/events', token: f.anaToken }),
    },
  ],
  'GET /feeds/{group}/{id}/stream': [
    {
      name: 'opens the live stream, starting with feed.watching',
      status: 200,
      call: () => ({ path: '/feeds/user/ana/stream' }),
    },
    {
      name: 'opens its own feed’s stream with a user token',
      status: 200,
      call: (f) => ({ path: '/feeds/notification/ana/stream', token: f.anaToken }),
    },
    {
      name: 'of an unconfigured feed group',
      status: 400,
      field: 'group',
      call: () => ({ path: '/feeds/nope/ana/stream' }),
    },
    {
      name: 'with an unknown parameter',
      status: 400,
      field: 'offset',
      call: () => ({ path: '/feeds/user/ana/stream', query: { offset: '5' } }),
    },
    unauthenticated({ path: '/feeds/user/ana/stream' }),
    {
      name: "of someone else's private feed with a user token",
      status: 403,
      call: (f) => ({ path: '/feeds/notification/bob/stream', token: f.anaToken }),
    },
  ],
};

let server: TestServer;
let served: OpenApiDoc;
let fixtures: Fixtures;
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
const validators = new Map<string, ValidateFunction>();

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

async function send(method: Method, call: Call): Promise<Reply> {
  const query = call.query ? `?${new URLSearchParams(call.query)}` : '';
  const body = call.rawBody ?? (call.body === undefined ? undefined : JSON.stringify(call.body));
  const controller = new AbortController();
  const response = await server.request(`/api/v1${call.path}${query}`, {
    method: method.toUpperCase(),
    token: call.token === undefined ? TEST_API_KEY : call.token,
    signal: controller.signal,
    ...(body === undefined ? {} : { body }),
    ...(call.contentType === undefined ? {} : { headers: { 'content-type': call.contentType } }),
  });
  const text = response.headers.get('content-type')?.startsWith('text/event-stream')
    ? await firstEvent(response, controller)
    : await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/** An event stream never ends by itself: its text up to the first event, then it is closed. */
async function firstEvent(response: Response, controller: AbortController): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of response.body ?? []) {
    text += decoder.decode(chunk as Uint8Array, { stream: true });
    if (/^data: .*\n\n/m.test(text)) break;
  }
  controller.abort();
  return text;
}

/** Fails unless the served document declares `status` for the operation and `body` fits it. */
function expectDocumented(path: string, method: Method, status: number, body: unknown) {
  const operation = served.paths[path]?.[method];
  const declared = operation?.responses[String(status)];
  expect(declared, `${method.toUpperCase()} ${path} declares ${status}`).toBeDefined();
  if (declared?.content?.['text/event-stream'] !== undefined && status < 300) return;
  expect(declared?.content?.['application/json']?.schema).toBeDefined();
  const pointer = ['paths', path, method, 'responses', String(status), 'content']
    .concat(['application/json', 'schema'])
    .map((part) => encodeURIComponent(part.replaceAll('~', '~0').replaceAll('/', '~1')))
    .join('/');
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `urn:tideline:openapi#/${pointer}` });
    validators.set(pointer, validate);
  }
  const valid = validate(body);
  expect(valid, `${status} body ${JSON.stringify(body)}: ${ajv.errorsText(validate.errors)}`).toBe(
    true,
  );
}

/** The single code the table maps to `status` (409 has two, so its cases name one). */
function codeOf(status: number): ErrorCode | undefined {
  const codes = errorCodes.filter((code) => errorCodeTable[code].httpStatus === status);
  return codes.length === 1 ? codes[0] : undefined;
}

function expectErrorBody(reply: Reply, code: ErrorCode | undefined, field?: string) {
  expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
  const body = reply.body as { code?: unknown; message?: unknown; details?: { fields?: unknown } };
  expect(body.code).toBe(code);
  expect(body.message).toEqual(expect.any(String));
  if (field !== undefined) {
    const fields = (body.details?.fields ?? []) as { path: string }[];
    expect(fields.map((f) => f.path)).toContain(field);
  }
}

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const reply = await send('post', { path, body });
  if (reply.status >= 300) throw new Error(`setup ${path}: ${reply.status} ${reply.text}`);
  return reply.body as Record<string, unknown>;
}

async function addActivity(feed: string, body: Record<string, unknown>): Promise<string> {
  const [group, id] = feed.split(':');
  const added = (await post(`/feeds/${group}/${id}/activities`, body)) as {
    activity: { id: string };
  };
  return added.activity.id;
}

beforeAll(async () => {
  server = await startTestServer('rest_contract');
  const response = await server.request('/api/v1/openapi.json', { token: null });
  served = (await response.json()) as OpenApiDoc;
  ajv.addSchema({ ...structuredClone(served), $id: 'urn:tideline:openapi' });

  const removed = await addActivity('user:ana', activityBody);
  const reply = await send('delete', { path: `/feeds/user/ana/activities/${removed}` });
  if (reply.status !== 200) throw new Error(`setup remove: ${reply.text}`);
  fixtures = {
    anaToken: await server.tokenFor('ana'),
    updatable: await addActivity('user:ana', activityBody),
    removable: await addActivity('user:ana', activityBody),
    byForeignId: await addActivity('user:ana', {
      ...activityBody,
      foreignId: 'contract-fid',
      time: fidTime,
    }),
    removed,
  };
  await addActivity('user:bob', { ...activityBody, actor: 'bob', to: ['notification:ana'] });
  await addActivity('timeline_aggregated:ana', activityBody);
  await post('/feeds/timeline/ana/follows', { target: 'user:bob' });
  await post('/feeds/timeline/ana/follows', { target: 'user:carl' });
  await server.harness.quiesce();
});
afterAll(() => server?.close());

describe('the OpenAPI document', () => {
  it('is served at /api/v1/openapi.json as the code generates it', async () => {
    const response = await server.request('/api/v1/openapi.json', { token: null });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(served.openapi).toBe('3.1.0');
    expect(served).toEqual(generated);
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(
      structuredClone(served) as unknown as Record<string, unknown>,
    );
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('describes every error status with the Error schema of stable codes', () => {
    expect(served.components.schemas.Error).toMatchObject({
      required: ['code', 'message'],
      properties: { code: { enum: [...errorCodes] }, message: { type: 'string' } },
    });
    for (const { path, method } of operationsOf(served)) {
      const responses = served.paths[path]?.[method]?.responses ?? {};
      const errors = Object.entries(responses).filter(([status]) => Number(status) >= 400);
      expect(errors.length, `${method} ${path}`).toBeGreaterThan(0);
      for (const [status, response] of errors) {
        expect(
          response?.content?.['application/json']?.schema,
          `${method} ${path} ${status}`,
        ).toEqual({ $ref: '#/components/schemas/Error' });
      }
    }
  });

  it('has contract cases for every operation, and none for operations it lacks', () => {
    expect(Object.keys(contract).sort()).toEqual(
      operationsOf(served)
        .map((op) => op.key)
        .sort(),
    );
  });

  it.each(operationsOf(generated))(
    '$key is covered: its success, 400, 401, 403 and 415 for bodies, all declared',
    ({ key, path, method }) => {
      const operation = served.paths[path]?.[method];
      const declared = Object.keys(operation?.responses ?? {}).map(Number);
      const success = declared.filter((status) => status < 300);
      const covered = new Set((contract[key] ?? []).map((c) => c.status));
      expect(success).toHaveLength(1);
      for (const status of [...success, 400, 401, 403]) expect(covered).toContain(status);
      if (operation?.requestBody !== undefined) expect(covered).toContain(415);
      for (const status of covered) expect(declared).toContain(status);
    },
  );
});

describe.each(operationsOf(generated))('$key', ({ key, path, method }) => {
  const cases = contract[key];
  if (cases === undefined) {
    it('has contract cases', () => expect.fail(`no contract cases for ${key}; add them above`));
    return;
  }
  it.each(cases)('$name → $status', async (c) => {
    const reply = await send(method, c.call(fixtures));
    expect(reply.status, reply.text).toBe(c.status);
    expectDocumented(path, method, reply.status, reply.body);
    if (c.status >= 400) expectErrorBody(reply, c.code ?? codeOf(c.status), c.field);
    c.check?.(reply.body, fixtures);
  });
});

/** POSTs `chunks` with `Transfer-Encoding: chunked` (no Content-Length) via node:http. */
function postChunked(path: string, chunks: readonly string[]): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${server.url}${path}`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TEST_API_KEY}`,
          'content-type': 'application/json',
          'transfer-encoding': 'chunked',
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (typeof value === 'string') headers.set(name, value);
          }
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: response.statusCode ?? 0, headers, text, body });
        });
      },
    );
    // The server may answer and stop reading before the last chunk; the answer is what counts.
    request.on('error', (error) => {
      if (!request.writableFinished) reject(error);
    });
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}

describe('compressed request bodies', () => {
  const compress = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
  const encoded = (encoding: keyof typeof compress, value: unknown) =>
    new Uint8Array(compress[encoding](JSON.stringify(value)));

  const decoded = (Object.keys(compress) as (keyof typeof compress)[]).flatMap((encoding) => [
    { api: 'REST', encoding, path: '/api/v1/feeds/user/ana/activities', input: {}, status: 201 },
    {
      api: 'tRPC',
      encoding,
      path: '/trpc/feeds.add',
      input: { group: 'user', id: 'ana' },
      status: 200,
    },
  ]);
  it.each(decoded)('$api decodes a $encoding body and adds the activity', async (c) => {
    const object = `${c.api}:${c.encoding}`;
    const response = await server.request(c.path, {
      method: 'POST',
      headers: { 'content-encoding': c.encoding },
      body: encoded(c.encoding, { ...c.input, ...activityBody, object }),
    });
    const text = await response.text();
    expect(response.status, text).toBe(c.status);
    expect(text).toContain(`"object":"${object}"`);
  });

  it.each([
    { encoding: 'gzip', status: 400, code: 'VALIDATION_FAILED' },
    { encoding: 'compress', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  ])(
    'tRPC refuses a plain body sent as $encoding with $status $code, like REST',
    async ({ encoding, status, code }) => {
      const response = await server.request('/trpc/feeds.add', {
        method: 'POST',
        headers: { 'content-encoding': encoding },
        body: JSON.stringify({ group: 'user', id: 'ana', ...activityBody }),
      });
      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({ code, message: expect.any(String) });
    },
  );

  it.each(['/api/v1/feeds/user/ana/activities', '/trpc/feeds.add'])(
    '%s refuses a gzip bomb (a small body that inflates past 1 MiB) with 413',
    async (path) => {
      const bomb = gzipSync(
        JSON.stringify({ ...activityBody, extra: { pad: 'x'.repeat(8 * 1024 * 1024) } }),
      );
      expect(bomb.length).toBeLessThan(64 * 1024);
      const response = await server.request(path, {
        method: 'POST',
        headers: { 'content-encoding': 'gzip' },
        body: new Uint8Array(bomb),
      });
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    },
  );
});

describe('the HTTP surface', () => {
  const addPath = '/feeds/{group}/{id}/activities';
  const oversized = JSON.stringify({ ...activityBody, extra: { pad: 'x'.repeat(1024 * 1024) } });

  it('refuses a body over 1 MiB with a Content-Length with 413 PAYLOAD_TOO_LARGE', async () => {
    const reply = await send('post', { path: '/feeds/user/ana/activities', rawBody: oversized });
    expect(reply.status).toBe(413);
    expectErrorBody(reply, 'PAYLOAD_TOO_LARGE');
    expectDocumented(addPath, 'post', 413, reply.body);
  });

  it('refuses a chunked body over 1 MiB with 413 PAYLOAD_TOO_LARGE', async () => {
    const chunks: string[] = [];
    for (let at = 0; at < oversized.length; at += 64 * 1024) {
      chunks.push(oversized.slice(at, at + 64 * 1024));
    }
    expect(chunks.length).toBeGreaterThan(16);
    const reply = await postChunked('/api/v1/feeds/user/ana/activities', chunks);
    expect(reply.status).toBe(413);
    expectErrorBody(reply, 'PAYLOAD_TOO_LARGE');
    expectDocumented(addPath, 'post', 413, reply.body);
  });

  it('accepts a chunked body under 1 MiB', async () => {
    const reply = await postChunked('/api/v1/feeds/user/ana/activities', [
      '{"actor":"ana","verb":"post",',
      '"object":"post:chunked"}',
    ]);
    expect(reply.status, reply.text).toBe(201);
    expectDocumented(addPath, 'post', 201, reply.body);
  });

  it('refuses a body that is not JSON with 415', async () => {
    const reply = await send('post', {
      path: '/feeds/user/ana/activities',
      rawBody: '<activity/>',
      contentType: 'application/xml',
    });
    expect(reply.status).toBe(415);
    expectErrorBody(reply, 'UNSUPPORTED_MEDIA_TYPE');
    expectDocumented(addPath, 'post', 415, reply.body);
  });

  it('refuses malformed JSON with 400 naming body', async () => {
    const reply = await send('post', {
      path: '/feeds/user/ana/activities',
      rawBody: '{"actor":"ana",',
    });
    expect(reply.status).toBe(400);
    expectErrorBody(reply, 'VALIDATION_FAILED', 'body');
    expectDocumented(addPath, 'post', 400, reply.body);
  });

  // trpc-to-openapi reads a JSON body only when Content-Type is exactly `application/json`;
  // the server parses bodies itself first, so a charset parameter must not drop the body.
  it('accepts Content-Type: application/json; charset=utf-8', async () => {
    const reply = await send('post', {
      path: '/feeds/user/ana/activities',
      body: activityBody,
      contentType: 'application/json; charset=utf-8',
    });
    expect(reply.status, reply.text).toBe(201);
  });

  it('answers unknown API routes with a JSON 404', async () => {
    const reply = await send('get', { path: '/nothing/here' });
    expect(reply.status).toBe(404);
    expectErrorBody(reply, 'NOT_FOUND');
  });

  it('answers a known path with a method it does not take with 405 and Allow', async () => {
    const feedPath = await send('put', { path: '/feeds/user/ana/activities', body: {} });
    expect(feedPath.status).toBe(405);
    expectErrorBody(feedPath, 'METHOD_NOT_ALLOWED');
    expect(feedPath.headers.get('allow')).toBe('GET, POST, DELETE, HEAD');
    const activity = await send('get', { path: '/activities/some-id' });
    expect(activity.status).toBe(405);
    expect(activity.headers.get('allow')).toBe('PATCH');
    // A parameter is one segment: a longer path is not that route.
    const deeper = await send('put', { path: '/activities/some-id/more' });
    expect(deeper.status).toBe(404);
  });

  it('sends security headers', async () => {
    const reply = await send('get', { path: '/events', query: { limit: '1' } });
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
    expect(reply.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(reply.headers.get('referrer-policy')).toBe('no-referrer');
    expect(reply.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(reply.headers.get('x-powered-by')).toBeNull();
  });

  it('allows the configured CORS origin and no other', async () => {
    const allowed = await server.request('/api/v1/events?limit=1', {
      headers: { origin: 'http://allowed.example' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://allowed.example');
    expect(allowed.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
    const other = await server.request('/api/v1/events?limit=1', {
      headers: { origin: 'http://evil.example' },
    });
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a CORS preflight from the configured origin only', async () => {
    const preflight = (origin: string) =>
      server.request('/api/v1/feeds/user/ana/activities', {
        method: 'OPTIONS',
        token: null,
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
    const allowed = await preflight('http://allowed.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://allowed.example');
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
    const other = await preflight('http://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    const echoed = await server.request('/api/v1/events?limit=1', {
      headers: { 'x-request-id': 'req-contract.42' },
    });
    expect(echoed.headers.get('x-request-id')).toBe('req-contract.42');
    const replaced = await server.request('/api/v1/events?limit=1', {
      headers: { 'x-request-id': 'has spaces and <html>' },
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('records the X-Request-Id as the correlation id of the events a request appends', async () => {
    const added = await server.request('/api/v1/feeds/user/ana/activities', {
      method: 'POST',
      body: JSON.stringify({ ...activityBody, object: 'post:correlated' }),
      headers: { 'x-request-id': 'req-correlated-1' },
    });
    expect(added.status).toBe(201);
    const { position } = (await added.json()) as { position: string };
    type EventPage = { results: { position: string; metadata: unknown }[]; next: string };
    // The log is read gap-safe, so a just-committed event may show a moment later.
    const event = await waitFor(
      async () => {
        const seen: EventPage['results'] = [];
        for (let after = '0'.repeat(32); ; ) {
          const reply = await send('get', { path: '/events', query: { after, limit: '100' } });
          const page = reply.body as EventPage;
          if (page.results.length === 0) break;
          seen.push(...page.results);
          after = page.next;
        }
        return seen.find((candidate) => candidate.position === position);
      },
      { message: 'the added event in the log' },
    );
    expect(event.metadata).toMatchObject({ correlationId: 'req-correlated-1' });
  });
});

describe('the docs page', () => {
  it('redirects /docs to /docs/', async () => {
    const response = await fetch(`${server.url}/docs`, { redirect: 'manual' });
    expect(response.status).toBe(301);
    expect(response.headers.get('location')).toBe('/docs/');
  });

  it('is HTML whose scripts and styles all load from this server', async () => {
    const response = await fetch(`${server.url}/docs/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await response.text();
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?\/\//i);

    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    // CSP forbids inline scripts, so each must be an external file.
    for (const [, , inline] of scripts) expect(inline?.trim()).toBe('');
    const scriptUrls = scripts.map(
      ([, attributes]) => /\bsrc="([^"]+)"/.exec(attributes ?? '')?.[1],
    );
    const styleUrls = [...html.matchAll(/<link\b[^>]*\bhref="([^"]+)"/gi)].map(([, href]) => href);
    for (const src of scriptUrls) {
      expect(src).toBeDefined();
      const asset = new URL(src ?? '', `${server.url}/docs/`);
      expect(asset.origin).toBe(server.url);
      const loaded = await fetch(asset);
      expect(loaded.status, asset.pathname).toBe(200);
      expect(loaded.headers.get('content-type')).toMatch(/javascript/);
      await loaded.arrayBuffer();
    }
    for (const href of styleUrls) {
      const asset = new URL(href ?? '', `${server.url}/docs/`);
      expect(asset.origin).toBe(server.url);
      const loaded = await fetch(asset);
      expect(loaded.status, asset.pathname).toBe(200);
      await loaded.arrayBuffer();
    }
  });

  it('points Swagger UI at this API’s document', async () => {
    const response = await fetch(`${server.url}/docs/swagger-initializer.js`);
    expect(response.status).toBe(200);
    const script = await response.text();
    expect(script).toContain("url: '/api/v1/openapi.json'");
    expect(script).not.toMatch(/petstore|https?:\/\//);
  });
});
