import { addActivities, followMany } from '@tideline/feeds';
import type { Kysely } from 'kysely';
import type { Output } from '../output.js';

/** A fixed instant, so adding the same sample again is a no-op (idempotent by foreignId + time). */
const SAMPLE_EPOCH_MS = Date.parse('2026-01-01T00:00:00Z');

export interface SeedResult {
  users: number;
  follows: number;
  activities: number;
}

/**
 * `users` users named `<prefix>-1…`, each with a `user:` feed holding `perUser` activities
 * and a `timeline:` feed following the next `following` users' `user:` feeds (wrapping
 * around), all through the real commands, so the events are exactly what the API would
 * append. Deterministic: running it twice appends nothing new.
 *
 * @example
 * await seedSocialGraph(db, { users: 5, prefix: 'seed' }, output);
 */
export async function seedSocialGraph(
  db: Kysely<unknown>,
  options: { users: number; prefix: string; following?: number; perUser?: number },
  output: Output,
): Promise<SeedResult> {
  const { users, prefix } = options;
  const following = Math.min(options.following ?? 3, users - 1);
  const perUser = options.perUser ?? 2;
  const name = (i: number) => `${prefix}-${(i % users) + 1}`;
  const bar = output.progress('seed', users, 'users');
  const result: SeedResult = { users, follows: 0, activities: 0 };
  try {
    for (let i = 0; i < users; i += 1) {
      const user = name(i);
      const activities = Array.from({ length: perUser }, (_, k) => ({
        actor: user,
        verb: 'post',
        object: `note:${user}-${k + 1}`,
        foreignId: `${prefix}:${user}:${k + 1}`,
        time: new Date(SAMPLE_EPOCH_MS + (i * perUser + k) * 1000).toISOString(),
      }));
      if (activities.length > 0) {
        const added = await addActivities(db, `user:${user}`, activities, { principal: 'cli' });
        result.activities += added.filter((a) => a.created).length;
      }
      if (following > 0) {
        const edges = Array.from({ length: following }, (_, k) => ({
          source: `timeline:${user}`,
          target: `user:${name(i + k + 1)}`,
        }));
        const { results } = await followMany(db, edges, { principal: 'cli' });
        result.follows += results.filter((r) => r.changed).length;
      }
      bar.update(i + 1);
    }
  } finally {
    bar.stop();
  }
  return result;
}
