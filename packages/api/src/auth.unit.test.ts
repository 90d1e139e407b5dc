import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAuthenticator, requireOwnFeed, requireServer } from './auth.js';

const key = 'server-key-0123456789abcdef';
const secret = 'jwt-secret-0123456789abcdef-0123456789';
const authenticate = createAuthenticator({ apiKeys: [key], jwtSecret: secret });

async function jwt(
  claims: { sub?: string; expiresIn?: number | null },
  options: { secret?: string; alg?: string } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  let token = new SignJWT({}).setProtectedHeader({ alg: options.alg ?? 'HS256' }).setIssuedAt(now);
  if (claims.sub !== undefined) token = token.setSubject(claims.sub);
  if (claims.expiresIn !== null) token = token.setExpirationTime(now + (claims.expiresIn ?? 600));
  return token.sign(new TextEncoder().encode(options.secret ?? secret));
}

const failure = async (header: string | undefined) => {
  try {
    await authenticate(header);
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected authentication to fail');
};

describe('authentication', () => {
  it('given a configured API key, when authenticated, then the principal is the server', async () => {
    const principal = await authenticate(`Bearer ${key}`);
    expect(principal.kind).toBe('server');
    expect(JSON.stringify(principal)).not.toContain(key);
  });

  it('given a valid user token, when authenticated, then the principal is its subject', async () => {
    expect(await authenticate(`Bearer ${await jwt({ sub: 'ana' })}`)).toEqual({
      kind: 'user',
      userId: 'ana',
    });
  });

  it.each([
    ['no header', undefined, 'authorization: a Bearer token is required'],
    ['another scheme', `Basic ${key}`, 'authorization: must be "Bearer <token>"'],
    [
      'an unknown key',
      'Bearer not-a-key-0123456789abcdef',
      'authorization: unknown API key or token',
    ],
  ])('given %s, when authenticated, then 401 says why', async (_label, header, message) => {
    expect(await failure(header)).toMatchObject({ code: 'UNAUTHENTICATED', message });
  });

  it.each([
    ['an expired token', () => jwt({ sub: 'ana', expiresIn: -10 }), 'token: has expired'],
    [
      'a token without exp',
      () => jwt({ sub: 'ana', expiresIn: null }),
      'token: claim exp is missing or invalid',
    ],
    ['a token without sub', () => jwt({}), 'token: claim sub is missing or invalid'],
    [
      'a token signed with another secret',
      () => jwt({ sub: 'ana' }, { secret: `${secret}x` }),
      'token: signature does not verify',
    ],
    [
      'a token signed with HS512',
      () => jwt({ sub: 'ana' }, { alg: 'HS512' }),
      'token: must be signed with HS256',
    ],
    ['a sub that is no user id', () => jwt({ sub: 'ana:bob' }), 'token: sub must be a user id'],
  ])('given %s, when authenticated, then 401 says why', async (_label, make, message) => {
    expect(await failure(`Bearer ${await make()}`)).toMatchObject({
      code: 'UNAUTHENTICATED',
      message,
    });
  });

  it('given no JWT secret, when a JWT is presented, then it is refused', async () => {
    const keysOnly = createAuthenticator({ apiKeys: [key] });
    await expect(keysOnly(`Bearer ${await jwt({ sub: 'ana' })}`)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });
});

describe('scopes', () => {
  const ana = { kind: 'user', userId: 'ana' } as const;
  const server = { kind: 'server', keyId: 'k' } as const;

  it('given a user, when acting on its own feed, then it may; on another, then 403', () => {
    expect(() => requireOwnFeed(ana, { group: 'timeline', id: 'ana' }, 'read')).not.toThrow();
    expect(() => requireOwnFeed(ana, { group: 'timeline', id: 'bob' }, 'read')).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
    expect(() => requireOwnFeed(server, { group: 'timeline', id: 'bob' }, 'read')).not.toThrow();
  });

  it('given a user, when doing a server-only operation, then 403', () => {
    expect(() => requireServer(ana, 'read the event log')).toThrow(
      'only a server API key may read the event log',
    );
    expect(() => requireServer(server, 'read the event log')).not.toThrow();
  });
});
