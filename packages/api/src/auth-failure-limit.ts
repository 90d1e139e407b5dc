import { isTidelineError } from '@tideline/domain';
import type { Redis } from 'ioredis';
import ipaddr from 'ipaddr.js';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Principal } from './auth.js';
import { rateLimited } from './rate-limit.js';

/** Resolves a bearer token to a principal; the client's address, when known, is counted. */
export type Authenticate = (
  authorization: string | undefined,
  clientAddress?: string | undefined,
) => Promise<Principal>;

/** Blocked addresses this process remembers before it sweeps expired ones. */
const SWEEP_ABOVE = 10_000;

/**
 * Limits failed authentications per client address, so API keys and tokens cannot be
 * guessed at wire speed. Each failure — a token presented and refused (unknown, malformed,
 * expired, wrongly signed); a request with no token guesses nothing and is not counted —
 * is counted in Redis (`rate-limiter-flexible`, fixed one-minute windows), so every server
 * process shares the count. Once an address has failed `perMinute` times in a window, it is
 * refused with RATE_LIMITED and the seconds left in the window *before its token is
 * checked*, the right token too: were a right token let through, a guesser would ignore
 * the 429s and wait for the 200, and the limit would stop nothing.
 *
 * Which process refuses: each one learns an address is blocked from the count its own
 * failures return, and remembers it in memory until the window ends, so successful requests
 * cost no Redis call. With several server processes, one that has seen no failure from
 * the address yet lets its right tokens through, and refuses it from its first failure
 * on: guesses stay bounded by the shared count (plus one per process). Redis unreachable:
 * the failure is answered 401 uncounted (the API's other calls answer 503 then anyway).
 *
 * Addresses are the socket's peer (forwarded headers are not trusted); IPv4-mapped IPv6
 * addresses count as IPv4, and IPv6 addresses by their /64, which one client usually holds
 * whole.
 *
 * @example
 * const authenticate = limitAuthFailures(createAuthenticator(auth), { redis, prefix: 'tl:', perMinute: 30 });
 * await authenticate('Bearer wrong', '203.0.113.9'); // UNAUTHENTICATED, counted
 */
export function limitAuthFailures(
  authenticate: Authenticate,
  options: { redis: Redis; prefix: string; perMinute: number },
): Authenticate {
  const { perMinute } = options;
  if (perMinute === 0) return authenticate;
  const failures = new RateLimiterRedis({
    storeClient: options.redis,
    keyPrefix: `${options.prefix}rate:auth-failures`,
    points: perMinute,
    duration: 60,
    rejectIfRedisNotReady: true,
  });
  /** Address key → when its block ends (ms since the epoch). */
  const blocked = new Map<string, number>();
  const refusal = (msLeft: number) =>
    rateLimited(
      msLeft,
      `too many failed authentications from this address (at most ${perMinute} a minute)`,
    );

  return async function authenticateCounted(authorization, clientAddress) {
    const key = clientAddress === undefined ? undefined : addressKey(clientAddress);
    if (key === undefined) return authenticate(authorization);
    const until = blocked.get(key);
    if (until !== undefined) {
      if (until > Date.now()) throw refusal(until - Date.now());
      blocked.delete(key);
    }
    try {
      return await authenticate(authorization);
    } catch (error) {
      const guessed =
        authorization !== undefined && isTidelineError(error) && error.code === 'UNAUTHENTICATED';
      if (!guessed) throw error;
      const count = await failures.consume(key).catch((outcome: unknown) => outcome);
      if (!(count instanceof RateLimiterRes)) throw error;
      if (count.consumedPoints >= perMinute) {
        if (blocked.size >= SWEEP_ABOVE) sweep(blocked);
        blocked.set(key, Date.now() + count.msBeforeNext);
      }
      if (count.consumedPoints > perMinute) throw refusal(count.msBeforeNext);
      throw error;
    }
  };
}

function sweep(blocked: Map<string, number>): void {
  const now = Date.now();
  for (const [key, until] of blocked) if (until <= now) blocked.delete(key);
}

/**
 * The address a client is counted under: IPv4 as it is (also when IPv4-mapped), IPv6 by
 * its /64 prefix; undefined when the socket has none (it closed already). Parsed by
 * `ipaddr.js`, the library Express's own `proxy-addr` uses.
 *
 * @example
 * addressKey('::ffff:203.0.113.9'); // '203.0.113.9'
 * addressKey('2001:db8:1:2:3:4:5:6'); // '2001:db8:1:2::/64'
 */
export function addressKey(address: string): string | undefined {
  if (address === '') return undefined;
  const bare = address.split('%')[0] ?? address;
  if (!ipaddr.isValid(bare)) return address;
  const parsed = ipaddr.process(bare);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const prefix = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${prefix.join(':')}::/64`;
}
