import type { AppRouter } from '@tideline/api';
import {
  createTRPCClient,
  createWSClient,
  httpBatchLink,
  httpSubscriptionLink,
  isTRPCClientError,
  retryLink,
  splitLink,
  TRPCClientError,
  type TRPCLink,
  wsLink,
} from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';

// Type-only imports aside, this file needs nothing but `@trpc/client`, so it runs
// unchanged in Node 20, browsers, workers and edge runtimes. Subscriptions use the
// runtime's EventSource / WebSocket, or the ones passed in (Node 20 has neither).

export type { AppRouter };
export { TRPCClientError };

/** Every procedure's input, e.g. `TidelineInputs['feeds']['add']`. */
export type TidelineInputs = inferRouterInputs<AppRouter>;
/** Every procedure's output, e.g. `TidelineOutputs['feeds']['read']`. */
export type TidelineOutputs = inferRouterOutputs<AppRouter>;

/** One event of `feeds.watch`: `id` (pass back to resume; the client does) and the message. */
export type TidelineWatchEvent =
  TidelineOutputs['feeds']['watch'] extends AsyncIterable<infer Event> ? Event : never;
/** A live feed message: `activity.added`, `feed.marked`, … (docs/realtime.md). */
export type TidelineFeedMessage = TidelineWatchEvent['data'];

/** The stable error every failure carries: a `code` to switch on, a `message`, `details`. */
export type TidelineErrorBody = NonNullable<TRPCClientError<AppRouter>['data']>['tideline'];
export type TidelineErrorCode = TidelineErrorBody['code'];

/** A server API key or a user JWT, or a function asked for the current one per request. */
export type TidelineToken = string | (() => string | undefined | Promise<string | undefined>);

export interface TidelineClientOptions {
  /** The server's base URL, e.g. `https://feeds.example.com`; calls go to `<url>/trpc`. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`; a function returning `undefined` sends none. */
  token: TidelineToken;
  /** A `fetch` to use instead of the global one (a polyfill, a test double, a proxy). */
  fetch?: Parameters<typeof httpBatchLink<AppRouter>>[0]['fetch'];
  /**
   * How subscriptions (`feeds.watch`) travel: `'sse'` (default; Server-Sent Events over
   * HTTP) or `'websocket'` (one WebSocket, opened by the first subscription).
   */
  subscriptions?: 'sse' | 'websocket';
  /**
   * The EventSource class for `'sse'`; default the global one (browsers). On Node 20 pass
   * `EventSource` from the `eventsource` package (v4): the token then travels in the
   * `Authorization` header. A native EventSource cannot send headers, so the token goes
   * in the URL's `connectionParams` instead.
   */
  EventSource?: EventSourceClass;
  /** The WebSocket class for `'websocket'`; default the global one. On Node 20 pass `ws`'s. */
  WebSocket?: WebSocketClass;
}

/** What the SSE link needs of an EventSource (the WHATWG interface). */
interface EventSourceInstance {
  readonly CLOSED: number;
  readonly CONNECTING: number;
  readonly OPEN: number;
  readyState: number;
  // biome-ignore lint/suspicious/noExplicitAny: listeners take each implementation's events.
  addEventListener(type: string, listener: (event: any) => void): void;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  removeEventListener(type: string, listener: (event: any) => void): void;
  close(): void;
}

/** Any WHATWG-style EventSource constructor: the global one, or the `eventsource` package's. */
export type EventSourceClass = new (
  url: string,
  // biome-ignore lint/suspicious/noExplicitAny: each implementation has its own init dictionary.
  init?: any,
) => EventSourceInstance;
export type WebSocketClass = typeof globalThis.WebSocket;

/** Retried when they fail: subscriptions only, and only for what a retry can fix. */
const permanent = new Set(['UNAUTHORIZED', 'FORBIDDEN', 'BAD_REQUEST', 'NOT_FOUND']);

/**
 * A fully typed client of every Tideline procedure. Calls made in the same tick share one
 * HTTP request to `/trpc`.
 *
 * @example
 * const tideline = createTidelineClient({ url: 'http://localhost:3000', token: jwt });
 * const page = await tideline.feeds.read.query({ group: 'timeline', id: 'ana' });
 */
export function createTidelineClient(options: TidelineClientOptions) {
  const { token, fetch } = options;
  const base = options.url.replace(/\/+$/, '');
  const currentToken = async () => (typeof token === 'function' ? await token() : token);
  return createTRPCClient<AppRouter>({
    links: [
      // A dropped or cut-off subscription resubscribes with the last id it received
      // (`lastEventId`), so it gets exactly what it missed. Queries and mutations are
      // never retried here: a write is not always safe to repeat.
      retryLink({
        retry: ({ op, error }) =>
          op.type === 'subscription' && !permanent.has(error.data?.code ?? ''),
        retryDelayMs: (attempt) => Math.min(250 * 2 ** attempt, 10_000),
      }),
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: subscriptionLink(options, base, currentToken),
        false: httpBatchLink({
          url: `${base}/trpc`,
          // Batched queries travel in the URL; past ~8 KB proxies and Node's header limit
          // start refusing them, so longer batches are split into several requests.
          maxURLLength: 8_000,
          // The server refuses batches of more than 100 calls.
          maxItems: 100,
          ...(fetch === undefined ? {} : { fetch }),
          async headers() {
            const current = await currentToken();
            return current === undefined ? {} : { authorization: `Bearer ${current}` };
          },
        }),
      }),
    ],
  });
}

function subscriptionLink(
  options: TidelineClientOptions,
  base: string,
  currentToken: () => Promise<string | undefined>,
): TRPCLink<AppRouter> {
  if (options.subscriptions === 'websocket') {
    const client = createWSClient({
      url: `${base.replace(/^http/, 'ws')}/trpc`,
      ...(options.WebSocket === undefined ? {} : { WebSocket: options.WebSocket }),
      // Browsers cannot set headers on a WebSocket; the server reads `token` instead.
      connectionParams: async () => {
        const current = await currentToken();
        return current === undefined ? null : { token: current };
      },
      // Opened by the first subscription, closed a second after the last one ends.
      lazy: { enabled: true, closeMs: 1_000 },
    });
    return wsLink<AppRouter>({ client });
  }
  const Source = options.EventSource;
  if (Source === undefined) {
    // A native EventSource sends no headers: the token goes in the URL.
    return httpSubscriptionLink<AppRouter, EventSourceClass>({
      url: `${base}/trpc`,
      connectionParams: async () => {
        const current = await currentToken();
        return current === undefined ? null : { token: current };
      },
    });
  }
  const send = options.fetch ?? globalThis.fetch;
  return httpSubscriptionLink<AppRouter, EventSourceClass>({
    url: `${base}/trpc`,
    EventSource: Source,
    // `eventsource` v4 fetches through this: every (re)connection sends the current token.
    eventSourceOptions: () => ({
      fetch: async (url: string | URL, init: RequestInit) => {
        const current = await currentToken();
        const headers = new Headers(init.headers);
        if (current !== undefined) headers.set('authorization', `Bearer ${current}`);
        return send(url, { ...init, headers });
      },
    }),
  });
}

export type TidelineClient = ReturnType<typeof createTidelineClient>;

/**
 * The stable error of a failed call, or `undefined` when `error` did not come from a
 * Tideline server (a network failure, a proxy's error page, a bug in your own code).
 *
 * @example
 * try {
 *   await tideline.feeds.follow.mutate({ group: 'timeline', id: 'ana', target: 'user:ben' });
 * } catch (error) {
 *   if (tidelineErrorOf(error)?.code !== 'UNAUTHENTICATED') throw error;
 *   await signInAgain();
 * }
 */
export function tidelineErrorOf(error: unknown): TidelineErrorBody | undefined {
  if (!isTRPCClientError<AppRouter>(error)) return undefined;
  // Typed by the router, but checked anyway: the server at the other end may not be ours.
  const body: unknown = error.data?.tideline;
  return isErrorBody(body) ? body : undefined;
}

function isErrorBody(value: unknown): value is TidelineErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const { code, message } = value as Record<string, unknown>;
  return typeof code === 'string' && typeof message === 'string';
}
