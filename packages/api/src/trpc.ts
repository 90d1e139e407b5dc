import { readableIssueMessage, trpcCodeOf } from '@tideline/domain';
import { initTRPC } from '@trpc/server';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { z } from 'zod';
import type { Principal } from './auth.js';
import type { ApiContext } from './context.js';
import { toTidelineError, toTrpcError } from './errors.js';

// Input schemas that tRPC checks (not only those `parseInput` checks) explain themselves
// in the same words: "is required", "must be at most 100 items", …
z.config({ customError: readableIssueMessage });

const t = initTRPC
  .context<ApiContext>()
  .meta<OpenApiMeta>()
  .create({
    // Never send stack traces, whatever NODE_ENV says.
    isDev: false,
    // Subscriptions over SSE: a ping every 10 s keeps proxies from closing a quiet
    // stream, and a client that hears nothing for 25 s reconnects (and resumes).
    sse: {
      ping: { enabled: true, intervalMs: 10_000 },
      client: { reconnectAfterInactivityMs: 25_000 },
    },
    errorFormatter({ shape, error }) {
      const failure = toTidelineError(error);
      // tRPC wraps what a subscription throws mid-stream as INTERNAL_SERVER_ERROR; the
      // codes follow the Tideline error, so links retry only what is worth retrying.
      const code = trpcCodeOf(failure.code);
      return {
        ...shape,
        code: TRPC_ERROR_CODES_BY_KEY[code],
        message: failure.message,
        data: { ...shape.data, code, httpStatus: failure.httpStatus, tideline: failure.toJSON() },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Every failure leaves a procedure as a TRPCError whose cause is a TidelineError — input
 * validation included, since tRPC parses input inside this middleware — so tRPC, REST and
 * the logs agree on one code and status.
 */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) throw toTrpcError(toTidelineError(result.error));
  return result;
});

export const publicProcedure = t.procedure.use(mapErrors);

/**
 * Authenticated (401 otherwise; 429 once the client's address has failed too often) and
 * within the token's rate limit (429 otherwise).
 */
export const authedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const principal: Principal = await ctx.deps.authenticate(ctx.authorization, ctx.clientAddress);
  await ctx.deps.rateLimit(principal);
  return next({ ctx: { principal } });
});
