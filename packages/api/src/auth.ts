import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type FeedGroupConfig,
  type FeedRef,
  feedIdPattern,
  feedSchema,
  findFeedGroup,
  followableGroupNames,
  isFollowable,
  parseFeed,
  readersOf,
  TidelineError,
  validationError,
} from '@tideline/domain';
import { errors as joseErrors, jwtVerify } from 'jose';

/** Who a request acts for: the holder of a server API key, or one user. */
export type Principal =
  | { kind: 'server' /** A short, non-secret fingerprint of the key. */; keyId: string }
  | { kind: 'user'; userId: string };

export interface AuthConfig {
  /** Server API keys; each may do everything. */
  apiKeys: readonly string[];
  /** The HS256 secret user tokens are signed with; without it no user token is accepted. */
  jwtSecret?: string | undefined;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Resolves `Authorization: Bearer <token>` to a principal, or throws UNAUTHENTICATED.
 * API keys are compared by SHA-256 digest in constant time; user tokens are HS256 JWTs
 * verified by `jose`, with `exp` and `sub` required and `sub` a valid feed id.
 *
 * @example
 * const authenticate = createAuthenticator({ apiKeys: [key], jwtSecret });
 * await authenticate(`Bearer ${key}`); // { kind: 'server', keyId: '…' }
 */
export function createAuthenticator(config: AuthConfig) {
  const keys = config.apiKeys.map((key) => ({
    digest: digest(key),
    keyId: digest(key).toString('hex').slice(0, 12),
  }));
  const secret =
    config.jwtSecret === undefined ? undefined : new TextEncoder().encode(config.jwtSecret);

  return async function authenticate(authorization: string | undefined): Promise<Principal> {
    const match = /^Bearer ([^\s]+)$/i.exec(authorization?.trim() ?? '');
    const token = match?.[1];
    if (token === undefined) {
      throw new TidelineError(
        'UNAUTHENTICATED',
        authorization === undefined
          ? 'authorization: a Bearer token is required'
          : 'authorization: must be "Bearer <token>"',
      );
    }
    const presented = digest(token);
    const key = keys.find((candidate) => timingSafeEqual(candidate.digest, presented));
    if (key !== undefined) return { kind: 'server', keyId: key.keyId };
    if (secret === undefined || token.split('.').length !== 3) {
      throw new TidelineError('UNAUTHENTICATED', 'authorization: unknown API key or token');
    }
    try {
      const { payload } = await jwtVerify(token, secret, {
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'sub'],
      });
      if (typeof payload.sub !== 'string' || !feedIdPattern.test(payload.sub)) {
        throw new TidelineError('UNAUTHENTICATED', 'token: sub must be a user id');
      }
      return { kind: 'user', userId: payload.sub };
    } catch (error) {
      if (error instanceof TidelineError) throw error;
      throw new TidelineError('UNAUTHENTICATED', `token: ${tokenProblem(error)}`);
    }
  };
}

function tokenProblem(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed)
    return `claim ${error.claim} is missing or invalid`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'must be signed with HS256';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'signature does not verify';
  return 'is not a valid JWT';
}

/** Who the events a principal causes are attributed to (their `principal` metadata). */
export function principalName(principal: Principal): string {
  return principal.kind === 'server' ? `server:${principal.keyId}` : principal.userId;
}

/** docs/product.md §5 scopes: a user acts on its own feeds only; a server key on any. */
export function requireOwnFeed(principal: Principal, feed: FeedRef, action: string): void {
  if (principal.kind === 'server' || principal.userId === feed.id) return;
  throw new TidelineError(
    'FORBIDDEN',
    `a user token may only ${action} its own feeds (*:${principal.userId}), not ${feed.group}:${feed.id}`,
  );
}

/**
 * Reads (a page, the edge lists, the live stream): a user reads its own feeds, and others'
 * only where their group declares `readers: "anyone"`. Every path that returns a feed's
 * content checks this, and so does following (`requireFollowTarget`): a follow copies the
 * target into the follower's timeline, so it is a read of the target.
 */
export function requireReadable(
  principal: Principal,
  groups: readonly FeedGroupConfig[],
  feed: FeedRef,
  action: string,
): void {
  if (principal.kind === 'server' || principal.userId === feed.id) return;
  if (readersOf(findFeedGroup(groups, feed.group)) === 'anyone') return;
  const open = groups.filter((group) => readersOf(group) === 'anyone').map((g) => `${g.name}:*`);
  throw new TidelineError(
    'FORBIDDEN',
    `a user token may only ${action} its own feeds (*:${principal.userId})${
      open.length > 0 ? ` or feeds anyone may read (${open.join(', ')})` : ''
    }, not ${feed.group}:${feed.id}`,
  );
}

/**
 * A follow's target: a feed of a group declared `followable` (whoever asks — a server key
 * cannot make a timeline follow a notification feed either), which the principal may read.
 * `path` names the field in the validation error, e.g. `target` or `follows[3].target`.
 */
export function requireFollowTarget(
  principal: Principal,
  groups: readonly FeedGroupConfig[],
  target: string,
  path: string,
): void {
  const ref = parseFeed(target);
  if (!isFollowable(findFeedGroup(groups, ref.group))) {
    const names = followableGroupNames(groups);
    throw validationError([
      {
        path,
        message: `must be a feed of a group that can be followed (${
          names.length > 0 ? names.join(', ') : 'none is configured'
        }), not ${ref.group}`,
      },
    ]);
  }
  requireReadable(principal, groups, ref, 'follow');
}

/** Operations only a server API key may perform. */
export function requireServer(principal: Principal, action: string): void {
  if (principal.kind === 'server') return;
  throw new TidelineError('FORBIDDEN', `only a server API key may ${action}`);
}

/**
 * A user token may add only its own activities (actor = itself) to `user:<sub>`, and send
 * `to` copies only to notification feeds (mentions) or to its own feeds — never into
 * someone else's timeline.
 */
export function requireOwnActivities(
  principal: Principal,
  groups: readonly FeedGroupConfig[],
  ref: FeedRef,
  activities: readonly { actor: string; to?: readonly string[] | undefined }[],
): void {
  if (principal.kind === 'server') return;
  const actors = activities.map((activity) => activity.actor);
  for (const feed of activities.flatMap((activity) => activity.to ?? [])) {
    const target = feedSchema.safeParse(feed).success ? parseFeed(feed) : undefined;
    if (target === undefined || target.id === principal.userId) continue;
    const kind = findFeedGroup(groups, target.group)?.kind;
    if (kind !== 'notification') {
      throw new TidelineError(
        'FORBIDDEN',
        `a user token may send copies (to) only to notification feeds or its own feeds, not ${feed}`,
      );
    }
  }
  if (ref.group !== 'user' || ref.id !== principal.userId) {
    throw new TidelineError(
      'FORBIDDEN',
      `a user token may only add activities to user:${principal.userId}`,
    );
  }
  if (actors.some((actor) => actor !== principal.userId)) {
    throw new TidelineError(
      'FORBIDDEN',
      `a user token may only add activities whose actor is ${principal.userId}`,
    );
  }
}
