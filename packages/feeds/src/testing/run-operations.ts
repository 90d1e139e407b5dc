import type { Kysely } from 'kysely';
import { addActivity } from '../write/add-activities.js';
import { follow, followMany, unfollow } from '../write/follow-feeds.js';
import { markFeed } from '../write/mark-feed.js';
import { removeActivity } from '../write/remove-activity.js';
import { updateActivity } from '../write/update-activity.js';
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
  const applied = appliedOperations(db, operations);
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
      if ((op.kind === 'update' || op.kind === 'remove') && !applied.hasAdd(op.pick)) break;
      index += 1;
      chunk.push(applied.apply(op));
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

/**
 * Applies generated operations through the commands, remembering the ids of the adds so
 * later updates and removals can name them (`op.pick`). An update, removal or unfollow of
 * something already gone is NOT_FOUND, which generated operations may ask for.
 *
 * @example
 * const applied = appliedOperations(db, operations);
 * for (const op of operations) await applied.apply(op);
 */
export function appliedOperations(db: Kysely<unknown>, operations: readonly Operation[]) {
  const added: string[] = [];
  const addFeeds: string[] = [];
  return {
    /** Whether the add that `pick` names has been started. */
    hasAdd: (pick: number) => pick < added.length,
    apply(op: Operation): Promise<unknown> {
      switch (op.kind) {
        case 'add': {
          const slot = added.length;
          added.push('');
          addFeeds.push(op.feed);
          return addActivity(db, op.feed, op.activity).then((result) => {
            added[slot] = result.activity.id;
          });
        }
        case 'update': {
          const id = added[op.pick] ?? '';
          return updateActivity(db, id, { set: op.set, unset: op.unset }).catch(allowNotFound);
        }
        case 'remove': {
          const id = added[op.pick] ?? '';
          const feed = addFeeds[op.pick] ?? '';
          const foreignId = op.by === 'id' ? undefined : foreignIdOf(operations, op.pick);
          return removeActivity(db, feed, foreignId ? { foreignId } : { id }).catch(allowNotFound);
        }
        case 'follow':
          return follow(db, { source: op.source, target: op.target, copyLimit: op.copyLimit });
        case 'unfollow':
          return unfollow(db, {
            source: op.source,
            target: op.target,
            keepHistory: op.keepHistory,
          }).catch(allowNotFound);
        case 'followMany':
          return followMany(db, op.follows);
        case 'mark':
          return markFeed(db, op.feed, { seen: op.seen, read: op.read });
      }
    },
  };
}

function allowNotFound(error: unknown): void {
  if (typeof error === 'object' && error !== null && 'code' in error && error.code === 'NOT_FOUND')
    return;
  throw error;
}

function foreignIdOf(operations: readonly Operation[], pick: number): string | undefined {
  const adds = operations.filter((op) => op.kind === 'add');
  const add = adds[pick];
  return add?.kind === 'add' ? add.activity.foreignId : undefined;
}
