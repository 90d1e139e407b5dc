import { describe, expect, it } from 'vitest';
import {
  comparePositions,
  decodePosition,
  encodePosition,
  isPosition,
  positionParts,
  START,
} from './position.js';

describe('positions', () => {
  it('round-trips a transaction id and a sequence number', () => {
    const parts = { transactionId: 2n ** 40n + 7n, sequence: 123_456_789n };
    expect(decodePosition(encodePosition(parts))).toEqual(parts);
  });

  it('orders by transaction id first, then by sequence', () => {
    const early = encodePosition({ transactionId: 9n, sequence: 500n });
    const late = encodePosition({ transactionId: 10n, sequence: 2n });
    const later = encodePosition({ transactionId: 10n, sequence: 3n });
    expect(comparePositions(early, late)).toBeLessThan(0);
    expect(comparePositions(later, late)).toBeGreaterThan(0);
    expect([later, early, late].sort()).toEqual([early, late, later]);
  });

  it('places the start before every real position', () => {
    expect(
      comparePositions(START, encodePosition({ transactionId: 1n, sequence: 1n })),
    ).toBeLessThan(0);
  });

  it.each(['', 'abc', '0'.repeat(31), 'g'.repeat(32), `${'0'.repeat(32)}0`])(
    'rejects %j as a position',
    (value) => {
      expect(decodePosition(value)).toBeUndefined();
    },
  );

  it.each([
    '00000000000000018000000000000000',
    '8000000000000000000000000000000a',
    'ffffffffffffffffffffffffffffffff',
  ])('rejects %j, whose parts do not fit PostgreSQL bigint/xid8 comparisons', (value) => {
    expect(decodePosition(value)).toBeUndefined();
    expect(isPosition(value)).toBe(false);
  });

  it('accepts the largest position PostgreSQL can compare', () => {
    const largest = '7fffffffffffffff7fffffffffffffff';
    expect(isPosition(largest)).toBe(true);
    expect(decodePosition(largest)).toEqual({
      transactionId: 2n ** 63n - 1n,
      sequence: 2n ** 63n - 1n,
    });
  });

  it('gives the parts of a position the service made, and a RangeError naming anything else', () => {
    const parts = { transactionId: 771n, sequence: 12n };
    expect(positionParts(encodePosition(parts))).toEqual(parts);
    expect(() => positionParts('nope')).toThrow(new RangeError('nope is not a position'));
  });
});
