export { type AuthConfig, createAuthenticator, type Principal } from './auth.js';
export { type Authenticate, addressKey, limitAuthFailures } from './auth-failure-limit.js';
export { type ApiContext, type ApiDeps, createApiDeps } from './context.js';
export { toTidelineError } from './errors.js';
export { openApiDocument } from './openapi.js';
export { createRateLimiter, type RateLimitConfig } from './rate-limit.js';
export { type AppRouter, appRouter } from './router.js';
export { createCallerFactory } from './trpc.js';
