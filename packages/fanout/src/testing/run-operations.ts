import type { Kysely } from 'kysely';
import { addActivity } from '../commands/add-activities.js';
import { follow, followMany, unfollow } from '../commands/follow-feeds.js';
import { markFeed } from '../commands/mark-feed.js';
import { removeActivity } from '../commands/remove-activity.js';
import { updateActivity } from '../commands/update-activity.js';
import type { Operation } from './operation-generator.js';
import { createSeededRandom } from './seeded-random.js';

export interface RunOperationsOptions {
  /** Seeds the chunking and the reads, so a failing run can be repeated. */
  seed: number;
  /** Run before the operation at index `at` (a crash, a flush, a snapshot…). */
  hooks?: readonly { at: number; run: () => Promise<void> }[];
  /** A read by an active user; it keeps that user's timeline live, so it takes write fan-out. */
  read: (feed: string) => Promise<unknown>;
}

/**
 * Runs generated operations through the commands, a few at a time concurrently, with
 * reads in between — the write load of the convergence tests.
 *
 * @example
 * await runOperations(db, generateOperations({ seed, count: 100, users: 6 }), { seed, read });
 */
export async function runOperations(
  db: Kysely<unknown>,
  operations: readonly Operation[],
  options: RunOperationsOptions,
): Promise<void> {
  const { seed, hooks = [], read } = options;
  const random = createSeededRandom(seed * 7919);
  const added: string[] = [];
  const addFeeds: string[] = [];
  const allowed = (error: unknown) => {
    if (
      typeof error === 'object' &&
      error !== null &&
      'code' in error &&
      error.code === 'NOT_FOUND'
    )
      return;
    throw error;
  };
  let index = 0;
  while (index < operations.length) {
    for (const hook of hooks) if (hook.at === index) await hook.run();
    const size = random.int(1, 4);
    const chunk: Promise<unknown>[] = [];
    for (let n = 0; n < size && index < operations.length; n += 1) {
      // A chunk never steps over a hook: each runs exactly before its operation.
      if (n > 0 && hooks.some((hook) => hook.at === index)) break;
      const op = operations[index];
      if (!op) break;
      if ((op.kind === 'update' || op.kind === 'remove') && op.pick >= added.length) break;
      index += 1;
      switch (op.kind) {
        case 'add': {
          const slot = added.length;
          added.push('');
          addFeeds.push(op.feed);
          chunk.push(
            addActivity(db, op.feed, op.activity).then((result) => {
              added[slot] = result.activity.id;
            }),
          );
          break;
        }
        case 'update': {
          const id = added[op.pick] ?? '';
          chunk.push(updateActivity(db, id, { set: op.set, unset: op.unset }).catch(allowed));
          break;
        }
        case 'remove': {
          const id = added[op.pick] ?? '';
          const feed = addFeeds[op.pick] ?? '';
          const target =
            op.by === 'id' ? { id } : { foreignId: foreignIdOf(operations, op.pick) ?? '' };
          chunk.push(
            removeActivity(db, feed, op.by === 'id' || target.foreignId ? target : { id }).catch(
              allowed,
            ),
          );
          break;
        }
        case 'follow':
          chunk.push(follow(db, { source: op.source, target: op.target, copyLimit: op.copyLimit }));
          break;
        case 'unfollow':
          chunk.push(
            unfollow(db, {
              source: op.source,
              target: op.target,
              keepHistory: op.keepHistory,
            }).catch(allowed),
          );
          break;
        case 'followMany':
          chunk.push(followMany(db, op.follows));
          break;
        case 'mark':
          chunk.push(markFeed(db, op.feed, { seen: op.seen, read: op.read }));
          break;
      }
      // Updates and removals name earlier adds: let those finish first.
      if (op.kind === 'add') break;
    }
    // Active users read while writes flow: their timelines stay live and take write fan-out.
    if (random.chance(0.5))
      chunk.push(
        read(
          `${random.pick(['timeline', 'timeline', 'notification', 'user'])}:u${random.int(0, 5)}`,
        ),
      );
    await Promise.all(chunk);
  }
}

function foreignIdOf(operations: readonly Operation[], pick: number): string | undefined {
  const adds = operations.filter((op) => op.kind === 'add');
  const add = adds[pick];
  return add?.kind === 'add' ? add.activity.foreignId : undefined;
}
