import type { AppRouter } from '@tideline/api';
import { createTRPCClient, httpBatchLink, isTRPCClientError, TRPCClientError } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';

// Type-only imports aside, this file needs nothing but `@trpc/client`, so it runs
// unchanged in Node 20, browsers, workers and edge runtimes.

export type { AppRouter };
export { TRPCClientError };

/** Every procedure's input, e.g. `TidelineInputs['feeds']['add']`. */
export type TidelineInputs = inferRouterInputs<AppRouter>;
/** Every procedure's output, e.g. `TidelineOutputs['feeds']['read']`. */
export type TidelineOutputs = inferRouterOutputs<AppRouter>;

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
}

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
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${options.url.replace(/\/+$/, '')}/trpc`,
        // Batched queries travel in the URL; past ~8 KB proxies and Node's header limit
        // start refusing them, so longer batches are split into several requests.
        maxURLLength: 8_000,
        // The server refuses batches of more than 100 calls.
        maxItems: 100,
        ...(fetch === undefined ? {} : { fetch }),
        async headers() {
          const current = typeof token === 'function' ? await token() : token;
          return current === undefined ? {} : { authorization: `Bearer ${current}` };
        },
      }),
    ],
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
