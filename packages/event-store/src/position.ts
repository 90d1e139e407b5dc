/**
 * A position in the global order of the log: the appending transaction's id and the
 * event's sequence number, in that order (the order a gap-safe reader delivers them in).
 *
 * Outside this package a position is an opaque string. It is fixed-width hex, so two
 * positions compare correctly as strings — inside the service only; clients must not.
 */
export type Position = string & { readonly __brand: 'Position' };

export interface PositionParts {
  transactionId: bigint;
  sequence: bigint;
}

const WIDTH = 16;
/**
 * Two 16-digit hex parts, each at most 2^63 - 1: PostgreSQL compares them as `xid8` and
 * `bigint`, and a larger part (still valid hex) made every query that took it fail with
 * "out of range for type bigint" — a 500 for a client's typo. No real transaction id or
 * sequence comes near 2^63, so refusing them here refuses nothing the log ever handed out.
 */
const PATTERN = /^[0-7][0-9a-f]{15}[0-7][0-9a-f]{15}$/;

/** Before every event: where a consumer that starts from the beginning stands. */
export const START: Position = encodePosition({ transactionId: 0n, sequence: 0n });

/**
 * @example
 * encodePosition({ transactionId: 771n, sequence: 12n }) // '0000000000000303000000000000000c'
 */
export function encodePosition(parts: PositionParts): Position {
  return (parts.transactionId.toString(16).padStart(WIDTH, '0') +
    parts.sequence.toString(16).padStart(WIDTH, '0')) as Position;
}

/**
 * The parts of a position the service itself made (a checkpoint, an event's); anything else
 * is a bug, thrown as a RangeError. A position from a client goes through `decodePosition`.
 */
export function positionParts(position: string): PositionParts {
  const parts = decodePosition(position);
  if (!parts) throw new RangeError(`${position} is not a position`);
  return parts;
}

/**
 * Parses a position a client handed back; `undefined` when it is not one of ours,
 * including well-formed hex whose parts PostgreSQL could not compare.
 */
export function decodePosition(value: string): PositionParts | undefined {
  if (!PATTERN.test(value)) return undefined;
  return {
    transactionId: BigInt(`0x${value.slice(0, WIDTH)}`),
    sequence: BigInt(`0x${value.slice(WIDTH)}`),
  };
}

export function isPosition(value: string): value is Position {
  return PATTERN.test(value);
}

/** Negative when `a` comes before `b` in the global order. */
export function comparePositions(a: Position, b: Position): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The position of a row that carries the log's two ordering columns. */
export function positionOfRow(row: { transaction_id: string; position: number }): Position {
  return encodePosition({
    transactionId: BigInt(row.transaction_id),
    sequence: BigInt(row.position),
  });
}
