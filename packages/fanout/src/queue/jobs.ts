import type { Feed } from '@tideline/domain';

/** Deliver one activity of `author` to a batch of its followers' timelines. */
export interface DeliverJob {
  kind: 'deliver';
  author: Feed;
  id: string;
  timeMs: number;
  followers: Feed[];
}

/** Take a removed activity out of a batch of followers' timelines. */
export interface RetractJob {
  kind: 'retract';
  id: string;
  followers: Feed[];
}

/** `author` crossed the threshold: move a batch of its edges to the new mode. */
export interface ModeJob {
  kind: 'mode';
  author: Feed;
  mode: 'read' | 'write';
  edges: { follower: Feed; guard: string }[];
}

export type FanoutJob = DeliverJob | RetractJob | ModeJob;

/** Where the projector puts fan-out work; BullMQ in production, anything in tests. */
export interface FanoutQueue {
  /**
   * Jobs are idempotent, so none is deduplicated: a batch replayed after a crash enqueues
   * its jobs again and they run again. (Deduplicating by a deterministic id would be wrong:
   * the first copy may have run against Redis state that a regeneration has since
   * replaced with the rolled-back PostgreSQL state.)
   */
  enqueue(jobs: readonly FanoutJob[]): Promise<void>;
}

/** Splits `items` into batches of `size`. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
