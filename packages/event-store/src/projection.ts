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

/** An event of a union as its type and data, e.g. the domain's `TidelineEvent`. */
export interface EventShape {
  readonly type: string;
  readonly data: unknown;
}

/** Each member of an event union as the log hands it back: `StoredEvent<type, data>`. */
export type StoredEventOf<E extends EventShape> = E extends EventShape
  ? StoredEvent<E['type'], E['data']>
  : never;

/**
 * A read model as data: the event types it handles and how to apply them. `apply`
 * receives only those types, typed as the union `E` declares them (the log holds what the
 * commands validated on append). Side effects outside PostgreSQL (Redis) must be
 * idempotent, since a crash before the commit replays the batch.
 *
 * @example
 * const followerCounts: Projection<Tables, FeedFollowed | FeedUnfollowed> = {
 *   name: 'follower-counts',
 *   handles: ['FeedFollowed', 'FeedUnfollowed'],
 *   async apply(events, { tx }) {
 *     for (const event of events) if (event.type === 'FeedFollowed') event.data.target;
 *   },
 *   async reset({ tx }) { await tx.deleteFrom('follower_counts').execute(); },
 * };
 */
export interface Projection<DB, E extends EventShape = EventShape> {
  readonly name: string;
  /** Exactly the types of `E`: checked against the union when `E` is given. */
  readonly handles: readonly E['type'][];
  apply(events: readonly StoredEventOf<E>[], context: ProjectionContext<DB>): Promise<void>;
  /** Empties the read model, for `rebuild`. */
  reset?(context: ProjectionContext<DB>): Promise<void>;
}

/**
 * The events of a batch a projection handles, as the union it declared. The one place
 * a stored event's data is taken to be its type's: appends are validated by the
 * commands, so the log holds nothing else under a handled type.
 */
export function handledEvents<E extends EventShape>(
  projection: Pick<Projection<unknown, E>, 'handles'>,
  events: readonly StoredEvent[],
): StoredEventOf<E>[] {
  const handles: readonly string[] = projection.handles;
  return events.filter((event) => handles.includes(event.type)) as StoredEventOf<E>[];
}
