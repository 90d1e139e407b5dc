import { describe, expect, it } from 'vitest';
import { aggregationKeyOf, aggregationKeyOfValues, groupingValuesOf } from './aggregation-key.js';

const like = { actor: 'ana', verb: 'like', object: 'photo:1' };

describe('aggregationKeyOf', () => {
  it('given verb + day, when keyed, then the key is the verb and the UTC date', () => {
    expect(aggregationKeyOf({ ...like, time: '2024-05-01T12:00:00.000Z' }, ['verb', 'day'])).toBe(
      'like|2024-05-01',
    );
  });

  it('given times either side of UTC midnight, when keyed by day, then they fall in different groups', () => {
    const before = aggregationKeyOf({ ...like, time: '2024-05-01T23:59:59.999Z' }, ['verb', 'day']);
    const after = aggregationKeyOf({ ...like, time: '2024-05-02T00:00:00.000Z' }, ['verb', 'day']);
    expect([before, after]).toEqual(['like|2024-05-01', 'like|2024-05-02']);
  });

  it('given a local time whose UTC day is the next one, when keyed by day, then the UTC day is used', () => {
    expect(aggregationKeyOf({ ...like, time: '2024-05-01T23:30:00-02:00' }, ['day'])).toBe(
      '2024-05-02',
    );
  });

  it('given the same UTC day in two offsets, when keyed by day, then both land in one group', () => {
    const tokyo = aggregationKeyOf({ ...like, time: '2024-05-02T08:00:00+09:00' }, ['verb', 'day']);
    const utc = aggregationKeyOf({ ...like, time: '2024-05-01T23:00:00Z' }, ['verb', 'day']);
    expect(tokyo).toBe(utc);
  });

  it('given verb + object + day, when keyed, then the parts appear in the configured order', () => {
    expect(
      aggregationKeyOf({ ...like, time: '2024-05-01T00:00:00Z' }, ['day', 'object', 'verb']),
    ).toBe('2024-05-01|photo%3A1|like');
  });

  it('given values containing the separator, when keyed, then they cannot collide', () => {
    const time = '2024-05-01T00:00:00Z';
    const a = aggregationKeyOf({ ...like, verb: 'a|b', object: 'c', time }, ['verb', 'object']);
    const b = aggregationKeyOf({ ...like, verb: 'a', object: 'b|c', time }, ['verb', 'object']);
    expect(a).not.toBe(b);
  });

  it('given no target, when keyed by target, then the part is empty', () => {
    expect(aggregationKeyOf({ ...like, time: '2024-05-01T00:00:00Z' }, ['verb', 'target'])).toBe(
      'like|',
    );
  });

  it('given actor and target, when keyed by them, then both values are used', () => {
    expect(
      aggregationKeyOf({ ...like, target: 'album:9', time: '2024-05-01T00:00:00Z' }, [
        'actor',
        'target',
      ]),
    ).toBe('ana|album%3A9');
  });

  it('given stored grouping values, when keyed from them, then the key equals the one from the activity', () => {
    const activity = { ...like, target: 'album|9', time: '2024-05-01T23:30:00-02:00' };
    const values = groupingValuesOf(activity);
    expect(values).toEqual(['like', 'photo:1', 'ana', 'album|9', '2024-05-02']);
    for (const parts of [
      ['verb', 'day'],
      ['verb', 'object', 'day'],
      ['target', 'actor'],
    ] as const) {
      expect(aggregationKeyOfValues(values, parts)).toBe(aggregationKeyOf(activity, parts));
    }
  });
});
