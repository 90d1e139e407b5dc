import { describe, expect, it } from 'vitest';
import {
  activityIdPattern,
  activityIdSchema,
  activityIdTime,
  formatActivityId,
} from './activity-id.js';
import { rejectionOf } from './test-helpers.js';

const zeros = new Uint8Array(10);
const ones = new Uint8Array(10).fill(255);

describe('activity ids', () => {
  it('given the ULID reference time, when formatted, then the time part matches the ULID spec', () => {
    expect(formatActivityId(1469918176385, zeros)).toBe('01ARYZ6S410000000000000000');
  });

  it('given all-ones randomness, when formatted, then the random part is all Z', () => {
    expect(formatActivityId(0, ones)).toBe('0000000000ZZZZZZZZZZZZZZZZ');
  });

  it('given the largest time, when formatted, then it is still a valid id', () => {
    const id = formatActivityId(2 ** 48 - 1, ones);
    expect(id).toBe('7ZZZZZZZZZZZZZZZZZZZZZZZZZ');
    expect(activityIdPattern.test(id)).toBe(true);
  });

  it('given ids made at increasing times, when sorted as strings, then they are in time order', () => {
    const times = [0, 1, 31, 32, 1_000, 1_714_521_600_000, 1_714_521_600_001, 2 ** 42, 2 ** 48 - 1];
    const ids = times.map((time, index) =>
      formatActivityId(time, new Uint8Array(10).fill(255 - index)),
    );
    expect([...ids].sort()).toEqual(ids);
  });

  it('given two ids in the same millisecond, when sorted, then the randomness decides', () => {
    const low = formatActivityId(1_714_521_600_000, Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
    const high = formatActivityId(1_714_521_600_000, Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 0));
    expect(low < high).toBe(true);
  });

  it('given an id, when its time is read back, then it is the time it was made with', () => {
    expect(activityIdTime(formatActivityId(1_714_521_600_123, ones))).toBe(1_714_521_600_123);
  });

  it.each([
    ['a negative time', -1, zeros, 'timeMs must be an integer from 0 to 2^48 - 1, got -1'],
    ['a fractional time', 1.5, zeros, 'timeMs must be an integer from 0 to 2^48 - 1, got 1.5'],
    [
      'a time past 2^48',
      2 ** 48,
      zeros,
      'timeMs must be an integer from 0 to 2^48 - 1, got 281474976710656',
    ],
    ['too few random bytes', 0, new Uint8Array(9), 'random must be 10 bytes, got 9'],
  ])('given %s, when formatted, then it throws a RangeError', (_case, time, random, message) => {
    expect(() => formatActivityId(time, random)).toThrow(new RangeError(message));
  });

  it('given a malformed id, when its time is read, then it throws a RangeError', () => {
    expect(() => activityIdTime('nope')).toThrow(new RangeError('not an activity id: nope'));
  });

  it.each([
    ['too short', '01ARYZ6S41'],
    ['lowercase', '01aryz6s41tsv4rrffq69g5fav'],
    ['an excluded letter', '01ARYZ6S41TSV4RRFFQ69G5FAU'],
    ['a first character past 7', '81ARYZ6S41TSV4RRFFQ69G5FAV'],
  ])('given an id that is %s, when validated, then it is rejected', (_case, id) => {
    expect(rejectionOf(activityIdSchema, id)).toBe(
      'must be an activity id (26 Crockford base32 characters)',
    );
  });
});
