import { type Kysely, type Migration, sql } from 'kysely';
import type { Projection } from '../projection.js';
import type { StoredEvent } from '../stored-event.js';

/** A table that records every delivery, duplicates included (no unique key on purpose). */
export const recordingMigrations: Record<string, Migration> = {
  '9000-test-deliveries': {
    async up(db: Kysely<unknown>) {
      await sql`
        CREATE TABLE test_deliveries (
          seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          consumer   text NOT NULL,
          position   text NOT NULL,
          event_id   uuid NOT NULL,
          stream_id  text NOT NULL,
          stream_version bigint NOT NULL
        )`.execute(db);
    },
  },
};

export interface Delivery {
  position: string;
  event_id: string;
  stream_id: string;
  stream_version: number;
}

/**
 * A projection that records each event it is given, in the consumer's transaction, so
 * tests can check exactly-once, in-order delivery. `beforeApply` lets a test fail or slow
 * down chosen batches.
 */
export function recordingProjection<DB>(
  name: string,
  beforeApply?: (events: readonly StoredEvent[]) => void | Promise<void>,
): Projection<DB> {
  return {
    name,
    handles: ['Recorded', 'Poison'],
    async apply(events, { tx }) {
      await beforeApply?.(events);
      const rows = events.map((e) => ({
        position: e.position,
        event_id: e.eventId,
        stream_id: e.streamId,
        stream_version: e.streamVersion,
      }));
      await sql`
        INSERT INTO test_deliveries (consumer, position, event_id, stream_id, stream_version)
        SELECT ${name}, r.position, r.event_id, r.stream_id, r.stream_version
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          AS r(position text, event_id uuid, stream_id text, stream_version bigint)`.execute(tx);
    },
    async reset({ tx }) {
      await sql`DELETE FROM test_deliveries WHERE consumer = ${name}`.execute(tx);
    },
  };
}

/** Deliveries of one consumer in the order they were recorded. */
export async function deliveries<DB>(db: Kysely<DB>, consumer: string): Promise<Delivery[]> {
  const result = await sql<Delivery>`
    SELECT position, event_id, stream_id, stream_version FROM test_deliveries
    WHERE consumer = ${consumer} ORDER BY seq`.execute(db);
  return result.rows;
}
