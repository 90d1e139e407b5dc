import type { ColumnType, Generated } from 'kysely';

/** The event log. Rows are immutable: triggers reject UPDATE, DELETE and TRUNCATE. */
export interface EventsTable {
  position: Generated<number>;
  /** `xid8` of the appending transaction, as a decimal string. */
  transaction_id: ColumnType<string, never, never>;
  stream_id: string;
  stream_version: number;
  event_id: string;
  type: string;
  data: unknown;
  metadata: unknown;
  created_at: ColumnType<Date, never, never>;
}

/** One row per stream: its current version, bumped under a row lock by every append. */
export interface StreamsTable {
  stream_id: string;
  version: number;
}

/** Durable consumer checkpoints, written in the same transaction as the consumer's work. */
export interface ConsumerCheckpointsTable {
  name: string;
  transaction_id: string;
  position: number;
  updated_at: ColumnType<Date, never, Date>;
}

/** Which instance leads each consumer, until when (server clock), under which fencing token. */
export interface ConsumerLeasesTable {
  name: string;
  owner: string;
  token: number;
  expires_at: Date;
  acquired_at: ColumnType<Date, Date | undefined, Date>;
}

/** Events a consumer gave up on after its retries, with the error, so it could continue. */
export interface DeadLettersTable {
  id: Generated<number>;
  consumer: string;
  position: number;
  transaction_id: string;
  event_id: string;
  type: string;
  error: string;
  attempts: number;
  created_at: ColumnType<Date, never, never>;
}

export interface EventStoreTables {
  events: EventsTable;
  streams: StreamsTable;
  consumer_checkpoints: ConsumerCheckpointsTable;
  consumer_leases: ConsumerLeasesTable;
  dead_letters: DeadLettersTable;
}
