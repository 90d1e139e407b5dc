import { addActivities, type CommandContext, followMany } from '@tideline/feeds';
import type { Kysely } from 'kysely';

/** The people of the demo app. Their ids are feed ids: `user:ana`, `timeline:ana`, … */
export const demoUsers = [
  { id: 'ana', name: 'Ana Ruiz' },
  { id: 'ben', name: 'Ben Okafor' },
  { id: 'cleo', name: 'Cleo Park' },
  { id: 'dev', name: 'Dev Mehta' },
  { id: 'eli', name: 'Eli Novak' },
] as const;

export type DemoUser = (typeof demoUsers)[number];

export function isDemoUser(id: string): boolean {
  return demoUsers.some((user) => user.id === id);
}

/** Who follows whom at the start. Ana and Ben do not follow each other: the demo's first step. */
const demoFollows: readonly (readonly [string, string])[] = [
  ['ana', 'cleo'],
  ['ben', 'dev'],
  ['cleo', 'ana'],
  ['cleo', 'ben'],
  ['dev', 'cleo'],
  ['eli', 'cleo'],
  ['eli', 'dev'],
];

const demoPosts: Record<DemoUser['id'], readonly string[]> = {
  ana: ['Shipping the new onboarding flow today.', 'Anyone up for coffee at 3?'],
  ben: ['Reading about event sourcing, again.', 'Redis sorted sets are underrated.'],
  cleo: ['First day on the feeds team!', 'Timelines are just projections of a log.'],
  dev: ['Benchmarks are in: fan-out on write wins below 10k followers.'],
  eli: ['Hello, Tideline.'],
};

/** A fixed instant, so adding the demo data again appends nothing (idempotent by foreignId + time). */
const DEMO_EPOCH_MS = Date.parse('2026-01-01T09:00:00Z');

/**
 * The demo data, created on the first start with `DEMO=1` and a no-op afterwards: each
 * demo user's timeline follows their own `user:` feed (so they see their own posts) and a
 * few others', each has a post or two, and each follow also sits in the follower's `user:`
 * feed as a `follow` activity copied to the followee's `notification:` feed — the same
 * writes the demo app makes when someone follows someone.
 *
 * @example
 * await ensureDemoData(db);
 */
export async function ensureDemoData(db: Kysely<unknown>): Promise<void> {
  const context: CommandContext = { principal: 'demo' };
  let second = 0;
  const at = () => new Date(DEMO_EPOCH_MS + 60_000 * second++).toISOString();
  await followMany(
    db,
    [
      ...demoUsers.map((user) => ({ source: `timeline:${user.id}`, target: `user:${user.id}` })),
      ...demoFollows.map(([from, to]) => ({ source: `timeline:${from}`, target: `user:${to}` })),
    ],
    context,
  );
  for (const user of demoUsers) {
    const follows = demoFollows.filter(([from]) => from === user.id);
    await addActivities(
      db,
      `user:${user.id}`,
      [
        ...follows.map(([, to]) => ({
          actor: user.id,
          verb: 'follow',
          object: `user:${to}`,
          to: [`notification:${to}`],
          foreignId: `demo:${user.id}:follow:${to}`,
          time: at(),
        })),
        ...demoPosts[user.id].map((text, index) => ({
          actor: user.id,
          verb: 'post',
          object: `post:demo-${user.id}-${index + 1}`,
          foreignId: `demo:${user.id}:post:${index + 1}`,
          time: at(),
          extra: { text },
        })),
      ],
      context,
    );
  }
}
