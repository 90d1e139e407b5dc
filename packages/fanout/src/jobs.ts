import type { Feed } from '@tideline/domain';

/** Deliver one activity of `author` to a batch of its followers' timelines. */
export interface DeliverJob {
  kind: 'deliver';
  jobId: string;
  author: Feed;
  id: string;
  timeMs: number;
  followers: Feed[];
}

/** Take a removed activity out of a batch of followers' timelines. */
export interface RetractJob {
  kind: 'retract';
  jobId: string;
  id: string;
  followers: Feed[];
}

/** `author` crossed the threshold: move a batch of its edges to the new mode. */
export interface ModeJob {
  kind: 'mode';
  jobId: string;
  author: Feed;
  mode: 'read' | 'write';
  edges: { follower: Feed; guard: string }[];
}

export type FanoutJob = DeliverJob | RetractJob | ModeJob;

/** Where the projector puts fan-out work; BullMQ in production, anything in tests. */
export interface FanoutQueue {
  /** Idempotent by `jobId` (no `:` allowed, BullMQ's rule): a replayed batch enqueues nothing new. */
  enqueue(jobs: readonly FanoutJob[]): Promise<void>;
}

/** Splits `items` into batches of `size`. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
