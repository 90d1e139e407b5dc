import type { Kysely } from 'kysely';
import { type AppendOptions, type AppendResult, appendToStream } from './append-to-stream.js';
import { type ReadAllOptions, type ReadAllResult, readAll } from './read-all.js';
import { type ReadStreamOptions, readStream } from './read-stream.js';
import type { NewEvent, StoredEvent } from './stored-event.js';

export interface EventStore {
  appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    options?: AppendOptions,
  ): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  readAll(options?: ReadAllOptions): Promise<ReadAllResult>;
}

/**
 * The event store over a Kysely instance; each append is its own transaction.
 *
 * @example
 * const store = createEventStore({ db });
 * const { position } = await store.appendToStream('feed-user:ana', [{ type: 'ActivityAdded', data }]);
 */
export function createEventStore<DB>({ db }: { db: Kysely<DB> }): EventStore {
  return {
    async appendToStream(streamId, events, options) {
      try {
        return await db
          .transaction()
          .execute((tx) => appendToStream(tx, streamId, events, options));
      } catch (error) {
        // Two copies of one retried append raced: the loser hit the event id constraint
        // after the winner committed. Running it again finds the winner's result.
        if (!isEventIdViolation(error)) throw error;
        return db.transaction().execute((tx) => appendToStream(tx, streamId, events, options));
      }
    },
    readStream: (streamId, options) => readStream(db, streamId, options),
    readAll: (options) => readAll(db, options),
  };
}

function isEventIdViolation(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'constraint' in error &&
    error.constraint === 'events_event_id_key'
  );
}
