import { readFile } from 'node:fs/promises';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  createTidelineClient,
  type TidelineErrorBody,
  type TidelineErrorCode,
  type TidelineInputs,
  type TidelineOutputs,
  tidelineErrorOf,
} from './index.js';

/** A `fetch` that records each request and answers every call of a batch with `body`. */
function fakeFetch(answer: { status?: number; body?: unknown } = {}) {
  const requests: { url: string; headers: Record<string, string> }[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    requests.push({
      url: String(input),
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
    });
    const calls = new URL(String(input)).pathname.split('/').at(-1)?.split(',') ?? [];
    const body = answer.body ?? { result: { data: { kind: 'flat', results: [], next: null } } };
    return new Response(JSON.stringify(calls.map(() => body)), {
      status: answer.status ?? 200,
      headers: { 'content-type': 'application/json' },
    });
  };
  return { fetch, requests };
}

const read = { group: 'timeline', id: 'ana' } as const;

describe('createTidelineClient', () => {
  it('given a string token, when a query runs, then it goes to <url>/trpc with that bearer token', async () => {
    const { fetch, requests } = fakeFetch();
    const client = createTidelineClient({ url: 'https://feeds.example.com/', token: 'k1', fetch });

    await client.feeds.read.query(read);

    expect(requests).toHaveLength(1);
    expect(requests[0]?.url).toMatch(/^https:\/\/feeds\.example\.com\/trpc\/feeds\.read\?batch=1&/);
    expect(requests[0]?.headers.authorization).toBe('Bearer k1');
  });

  it('given an async token function, when two requests run, then each carries the token current at its time', async () => {
    const { fetch, requests } = fakeFetch();
    let issued = 0;
    const token = async () => `jwt-${++issued}`;
    const client = createTidelineClient({ url: 'https://feeds.example.com', token, fetch });

    await client.feeds.read.query(read);
    await client.feeds.read.query(read);

    expect(requests.map((request) => request.headers.authorization)).toEqual([
      'Bearer jwt-1',
      'Bearer jwt-2',
    ]);
  });

  it('given a token function that returns undefined, when a query runs, then no authorization header is sent', async () => {
    const { fetch, requests } = fakeFetch();
    const client = createTidelineClient({
      url: 'https://x.example',
      token: () => undefined,
      fetch,
    });

    await client.feeds.read.query(read);

    expect(requests[0]?.headers).not.toHaveProperty('authorization');
  });

  it('given many queries in one tick, when their URL would grow past 8 KB, then they are split into several requests', async () => {
    const { fetch, requests } = fakeFetch();
    const client = createTidelineClient({ url: 'https://x.example', token: 't', fetch });
    const cursor = 'c'.repeat(500);

    await Promise.all(
      Array.from({ length: 40 }, () => client.feeds.read.query({ ...read, cursor })),
    );

    expect(requests.length).toBeGreaterThan(1);
    for (const request of requests) expect(request.url.length).toBeLessThanOrEqual(8_000);
  });

  it('imports nothing at runtime but @trpc/client, so it runs in browsers too', async () => {
    const source = await readFile(new URL('./index.ts', import.meta.url), 'utf8');
    const runtimeImports = [
      ...source.matchAll(/^(?:import|export) (?!type )[^;]*?from '([^']+)'/gms),
    ].map((match) => match[1]);

    expect(runtimeImports).toEqual(['@trpc/client']);
  });
});

describe('tidelineErrorOf', () => {
  const forbidden = {
    code: 'FORBIDDEN',
    message: 'a user token may only read its own feeds (*:ana), not timeline:ben',
  };

  it('given a call the server refused, when read, then it is the stable error the server sent', async () => {
    const { fetch } = fakeFetch({
      status: 403,
      body: {
        error: {
          code: -32003,
          message: forbidden.message,
          data: { code: 'FORBIDDEN', httpStatus: 403, tideline: forbidden },
        },
      },
    });
    const client = createTidelineClient({ url: 'https://x.example', token: 't', fetch });

    const error = await client.feeds.read.query(read).catch((caught: unknown) => caught);

    expect(tidelineErrorOf(error)).toEqual(forbidden);
  });

  it('given a request that never reached a server, when read, then it is undefined', async () => {
    const fetch = () => Promise.reject(new TypeError('fetch failed'));
    const client = createTidelineClient({ url: 'https://x.example', token: 't', fetch });

    const error = await client.feeds.read.query(read).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Error);
    expect(tidelineErrorOf(error)).toBeUndefined();
  });

  it('given an error from another server, when read, then it is undefined', async () => {
    const { fetch } = fakeFetch({
      status: 500,
      body: { error: { code: -32603, message: 'boom', data: { code: 'INTERNAL_SERVER_ERROR' } } },
    });
    const client = createTidelineClient({ url: 'https://x.example', token: 't', fetch });

    const error = await client.feeds.read.query(read).catch((caught: unknown) => caught);

    expect(tidelineErrorOf(error)).toBeUndefined();
  });

  it('given anything but a client error, when read, then it is undefined', () => {
    expect(tidelineErrorOf(new Error('FORBIDDEN'))).toBeUndefined();
    expect(tidelineErrorOf({ data: { tideline: forbidden } })).toBeUndefined();
    expect(tidelineErrorOf(undefined)).toBeUndefined();
  });
});

// Compile-time checks: `tsc --noEmit` fails when the router's types stop reaching clients.
describe('types', () => {
  const client = createTidelineClient({ url: 'https://x.example', token: 't' });

  it('types a feed read as a page with results and next', () => {
    type Page = Awaited<ReturnType<typeof client.feeds.read.query>>;
    expectTypeOf<Page>().toHaveProperty('results');
    expectTypeOf<Page['next']>().toEqualTypeOf<string | null>();
    expectTypeOf<Page>().toEqualTypeOf<TidelineOutputs['feeds']['read']>();
    expectTypeOf<Exclude<Page, { kind: 'flat' }>['unseen']>().toEqualTypeOf<number | undefined>();
  });

  it('types inputs from the router, refusing unknown procedures and missing fields', () => {
    expectTypeOf(client.feeds.add.mutate)
      .parameter(0)
      .toEqualTypeOf<TidelineInputs['feeds']['add']>();
    expectTypeOf<TidelineInputs['feeds']['follow']>().toExtend<{
      group: string;
      id: string;
      target: string;
    }>();
    // @ts-expect-error: no such procedure
    expectTypeOf(client.feeds.publish).toBeObject();
    // @ts-expect-error: `target` is required
    expectTypeOf(client.feeds.follow.mutate).toBeCallableWith({ group: 'timeline', id: 'ana' });
  });

  it('types the stable error with the codes clients switch on', () => {
    expectTypeOf(tidelineErrorOf).returns.toEqualTypeOf<TidelineErrorBody | undefined>();
    expectTypeOf<'FORBIDDEN'>().toExtend<TidelineErrorCode>();
    expectTypeOf<'VALIDATION_FAILED'>().toExtend<TidelineErrorCode>();
    expectTypeOf<TidelineErrorCode>().not.toEqualTypeOf<string>();
    expectTypeOf<TidelineErrorBody['details']>().toExtend<
      { fields?: readonly { path: string; message: string }[] } | undefined
    >();
  });
});
