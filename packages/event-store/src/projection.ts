import type { Transaction } from 'kysely';
import type { StoredEvent } from './stored-event.js';

export interface ProjectionContext<DB> {
  /** The consumer's transaction: read-model writes made here commit with the checkpoint. */
  readonly tx: Transaction<DB>;
  /**
   * Throws (LeaseLostError) unless this instance is still sure it leads the consumer. Call
   * it right before side effects outside PostgreSQL (Redis): the transaction's rollback
   * cannot undo those, so a leader woken from a stall must not make them. Absent when the
   * projection runs outside a consumer (tests, benchmarks).
   */
  readonly checkLease?: () => void;
}

/**
 * A read model as data: which event types it handles and how to apply them. Side effects
 * outside PostgreSQL (Redis) must be idempotent, since a crash before the commit replays
 * the batch.
 *
 * @example
 * const followerCounts: Projection<Tables> = {
 *   name: 'follower-counts',
 *   handles: ['FeedFollowed', 'FeedUnfollowed'],
 *   async apply(events, { tx }) { ... },
 *   async reset({ tx }) { await tx.deleteFrom('follower_counts').execute(); },
 * };
 */
export interface Projection<DB> {
  readonly name: string;
  readonly handles: readonly string[];
  apply(events: readonly StoredEvent[], context: ProjectionContext<DB>): Promise<void>;
  /** Empties the read model, for `rebuild`. */
  reset?(context: ProjectionContext<DB>): Promise<void>;
}
