/**
 * The demo's sign-in: the server (with `DEMO=1`) lists demo users and mints short-lived
 * user tokens for them at `/demo`. The chosen user survives a reload (localStorage); the
 * token lives in memory and is minted again a minute before it expires.
 */

export interface DemoUser {
  id: string;
  name: string;
}

const USER_KEY = 'tideline.demo.user';
const REFRESH_MARGIN_MS = 60_000;

/** Why the demo cannot sign in: the server answered, but not with what the demo needs. */
export class DemoUnavailableError extends Error {
  constructor(readonly status: number) {
    super(
      status === 404
        ? 'This server is not in demo mode. Start it with DEMO=1 (see the README).'
        : `The demo sign-in failed (HTTP ${status}).`,
    );
  }
}

export async function fetchDemoUsers(): Promise<DemoUser[]> {
  const res = await fetch('/demo/users');
  if (!res.ok) throw new DemoUnavailableError(res.status);
  const body = (await res.json()) as { users: DemoUser[] };
  return body.users;
}

export function storedUserId(): string | undefined {
  return localStorage.getItem(USER_KEY) ?? undefined;
}

export function storeUserId(id: string | undefined): void {
  if (id === undefined) localStorage.removeItem(USER_KEY);
  else localStorage.setItem(USER_KEY, id);
}

/**
 * A token source for one user, for `createTidelineClient({ token })`: concurrent callers
 * share one mint, and a token is reused until a minute before it expires.
 *
 * @example
 * const token = demoTokenSource('ana');
 * createTidelineClient({ url: location.origin, token });
 */
export function demoTokenSource(userId: string): () => Promise<string> {
  let current: { token: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const mint = async () => {
    const res = await fetch('/demo/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: userId }),
    });
    if (!res.ok) throw new DemoUnavailableError(res.status);
    const body = (await res.json()) as { token: string; expiresAt: string };
    current = { token: body.token, expiresAt: Date.parse(body.expiresAt) };
    return body.token;
  };
  return () => {
    if (current !== undefined && current.expiresAt - Date.now() > REFRESH_MARGIN_MS) {
      return Promise.resolve(current.token);
    }
    pending ??= mint().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
