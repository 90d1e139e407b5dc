import type { Position } from './position.js';
import { positionOfRow } from './position.js';

/** What callers append. `id` makes the append idempotent; one is generated when absent. */
export interface NewEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
  readonly id?: string;
  readonly metadata?: EventMetadata;
}

export interface EventMetadata {
  readonly correlationId?: string;
  readonly causationId?: string;
  /** Who caused the event: a user id or `server`. */
  readonly principal?: string;
  readonly [key: string]: unknown;
}

/** An event as the log holds it. */
export interface StoredEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
  readonly metadata: EventMetadata;
  readonly eventId: string;
  readonly streamId: string;
  readonly streamVersion: number;
  /** Opaque global position (transaction id + sequence). */
  readonly position: Position;
  /** The identity sequence number; ordered within a transaction, not across them. */
  readonly globalPosition: number;
  readonly createdAt: Date;
}

/** The row shape every read query selects. */
export interface EventRow {
  position: number;
  transaction_id: string;
  stream_id: string;
  stream_version: number;
  event_id: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  created_at: Date;
}

export const eventColumns = `position, transaction_id::text AS transaction_id, stream_id,
  stream_version, event_id, type, data, metadata, created_at`;

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    eventId: row.event_id,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    position: positionOfRow(row),
    globalPosition: row.position,
    createdAt: row.created_at,
  };
}
