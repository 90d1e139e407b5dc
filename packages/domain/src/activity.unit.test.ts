import { describe, expect, it } from 'vitest';
import {
  activityBatchInputSchema,
  activityInputSchema,
  activityRemoveInputSchema,
  storedActivitySchema,
  toStoredActivity,
} from './activity.js';
import { rejectionCases, rejectionOf } from './test-helpers.js';
import { parseInput } from './validate.js';

const minimal = { actor: 'ana', verb: 'post', object: 'post:1' };
const id = '01ARYZ6S41TSV4RRFFQ69G5FAV';

describe('activity input', () => {
  it('given only actor, verb and object, when parsed, then it is accepted as is', () => {
    expect(parseInput(activityInputSchema, minimal)).toEqual(minimal);
  });

  it('given every optional field, when parsed, then they are all kept', () => {
    const full = {
      ...minimal,
      target: 'album:9',
      time: '2024-05-01T12:00:00.000Z',
      foreignId: 'post-1',
      to: ['notification:bob', 'timeline:carol'],
      extra: { text: 'hello', tags: ['a'], meta: { n: 1, ok: true, none: null } },
    };
    expect(parseInput(activityInputSchema, full)).toEqual(full);
  });

  it('given a time with an offset, when parsed, then it is normalised to UTC', () => {
    expect(
      parseInput(activityInputSchema, { ...minimal, time: '2024-05-01T23:30:00-02:00' }).time,
    ).toBe('2024-05-02T01:30:00.000Z');
  });

  it('given a time with microseconds, when parsed, then it is kept to the millisecond', () => {
    expect(
      parseInput(activityInputSchema, { ...minimal, time: '2024-05-01T12:00:00.123456Z' }).time,
    ).toBe('2024-05-01T12:00:00.123Z');
  });

  it('given 100 distinct recipients, when parsed, then they are accepted', () => {
    const to = Array.from({ length: 100 }, (_, index) => `notification:u${index}`);
    expect(parseInput(activityInputSchema, { ...minimal, to }).to).toHaveLength(100);
  });

  it.each(
    rejectionCases([
      ['nothing', {}, 'actor: is required; verb: is required; object: is required'],
      ['not an object', 'post', 'must be an object'],
      ['an array', [minimal], 'must be an object'],
      ['null', null, 'must be an object'],
      ['an empty actor', { ...minimal, actor: '' }, 'actor: must not be empty'],
      ['a numeric verb', { ...minimal, verb: 7 }, 'verb: must be a string'],
      ['a null object', { ...minimal, object: null }, 'object: must be a string'],
      [
        'an actor over 256 characters',
        { ...minimal, actor: 'a'.repeat(257) },
        'actor: must be at most 256 characters',
      ],
      [
        'a verb over 256 characters',
        { ...minimal, verb: 'v'.repeat(257) },
        'verb: must be at most 256 characters',
      ],
      [
        'an object over 256 characters',
        { ...minimal, object: 'o'.repeat(257) },
        'object: must be at most 256 characters',
      ],
      ['an empty target', { ...minimal, target: '' }, 'target: must not be empty'],
      [
        'a target over 256 characters',
        { ...minimal, target: 't'.repeat(257) },
        'target: must be at most 256 characters',
      ],
      ['an empty foreignId', { ...minimal, foreignId: '' }, 'foreignId: must not be empty'],
      [
        'a foreignId over 256 characters',
        { ...minimal, foreignId: 'f'.repeat(257) },
        'foreignId: must be at most 256 characters',
      ],
      ['a numeric foreignId', { ...minimal, foreignId: 12 }, 'foreignId: must be a string'],
      [
        'a time that is not a date',
        { ...minimal, time: 'yesterday' },
        'time: must be an ISO 8601 date-time with offset, like 2024-05-01T12:00:00Z',
      ],
      [
        'a time without an offset',
        { ...minimal, time: '2024-05-01T12:00:00' },
        'time: must be an ISO 8601 date-time with offset, like 2024-05-01T12:00:00Z',
      ],
      [
        'a date without a time',
        { ...minimal, time: '2024-05-01' },
        'time: must be an ISO 8601 date-time with offset, like 2024-05-01T12:00:00Z',
      ],
      [
        'an impossible date',
        { ...minimal, time: '2024-02-30T12:00:00Z' },
        'time: must be an ISO 8601 date-time with offset, like 2024-05-01T12:00:00Z',
      ],
      ['a numeric time', { ...minimal, time: 1714564800000 }, 'time: must be a string'],
      ['a recipient list that is a string', { ...minimal, to: 'user:bob' }, 'to: must be an array'],
      [
        'a malformed recipient',
        { ...minimal, to: ['user:bob', 'bob'] },
        'to[1]: must be a feed like group:id',
      ],
      [
        'a repeated recipient',
        { ...minimal, to: ['notification:bob', 'user:x', 'notification:bob'] },
        'to[2]: must not repeat "notification:bob"',
      ],
      [
        'more than 100 recipients',
        { ...minimal, to: Array.from({ length: 101 }, (_, index) => `user:u${index}`) },
        'to: must have at most 100 items',
      ],
      ['extra that is an array', { ...minimal, extra: [1] }, 'extra: must be a JSON object'],
      ['an unknown field', { ...minimal, feed: 'user:ana' }, 'feed: is not a known field'],
      [
        'several problems at once',
        { actor: '', object: 'x', to: ['a', 'b:c', 'd'], mood: 'happy' },
        'actor: must not be empty; verb: is required; to[0]: must be a feed like group:id; to[2]: must be a feed like group:id; mood: is not a known field',
      ],
    ]),
  )('given %s, when parsed, then it is rejected with "%s"', (_case, message, input) => {
    expect(rejectionOf(activityInputSchema, input)).toBe(message);
  });
});

describe('activity batch input', () => {
  it('given one to 100 activities, when parsed, then they are accepted', () => {
    expect(parseInput(activityBatchInputSchema, Array(100).fill(minimal))).toHaveLength(100);
  });

  it.each(
    rejectionCases([
      ['an empty batch', [], 'must not be empty'],
      ['more than 100 activities', Array(101).fill(minimal), 'must have at most 100 items'],
      [
        'a bad activity inside',
        [minimal, { ...minimal, actor: '' }],
        '[1].actor: must not be empty',
      ],
    ]),
  )('given %s, when parsed, then it is rejected with "%s"', (_case, message, input) => {
    expect(rejectionOf(activityBatchInputSchema, input)).toBe(message);
  });
});

describe('toStoredActivity', () => {
  it('given an input without time, when stored, then id, feed and now are filled in', () => {
    const stored = toStoredActivity(minimal, {
      id,
      feed: 'user:ana',
      now: '2024-05-01T12:00:00.000Z',
    });
    expect(stored).toEqual({
      id,
      feed: 'user:ana',
      ...minimal,
      time: '2024-05-01T12:00:00.000Z',
      to: [],
      extra: {},
    });
  });

  it('given an input with its own time, when stored, then that time wins over now', () => {
    const input = parseInput(activityInputSchema, {
      ...minimal,
      target: 'album:9',
      foreignId: 'p1',
      time: '2020-01-01T00:00:00Z',
      to: ['notification:bob'],
      extra: { a: 1 },
    });
    const stored = toStoredActivity(input, {
      id,
      feed: 'user:ana',
      now: '2024-05-01T12:00:00.000Z',
    });
    expect(parseInput(storedActivitySchema, stored)).toEqual({
      id,
      feed: 'user:ana',
      ...minimal,
      target: 'album:9',
      foreignId: 'p1',
      time: '2020-01-01T00:00:00.000Z',
      to: ['notification:bob'],
      extra: { a: 1 },
    });
  });

  it('given a stored activity with an offset time, when validated, then it is rejected', () => {
    const stored = {
      id,
      feed: 'user:ana',
      ...minimal,
      time: '2024-05-01T12:00:00+02:00',
      to: [],
      extra: {},
    };
    expect(rejectionOf(storedActivitySchema, stored)).toBe(
      'time: must be a UTC ISO 8601 date-time, like 2024-05-01T12:00:00.000Z',
    );
  });
});

describe('activity remove input', () => {
  it('given an id, when parsed, then it is accepted', () => {
    expect(parseInput(activityRemoveInputSchema, { id })).toEqual({ id });
  });

  it('given a foreignId, when parsed, then it is accepted', () => {
    expect(parseInput(activityRemoveInputSchema, { foreignId: 'post-1' })).toEqual({
      foreignId: 'post-1',
    });
  });

  it.each(
    rejectionCases([
      ['neither id nor foreignId', {}, 'must give either id or foreignId'],
      [
        'both id and foreignId',
        { id, foreignId: 'post-1' },
        'must give only one of id or foreignId',
      ],
      [
        'a malformed id',
        { id: 'post-1' },
        'id: must be an activity id (26 Crockford base32 characters)',
      ],
      ['an empty foreignId', { foreignId: '' }, 'foreignId: must not be empty'],
      ['an unknown field', { id, feed: 'user:ana' }, 'feed: is not a known field'],
    ]),
  )('given %s, when parsed, then it is rejected with "%s"', (_case, message, input) => {
    expect(rejectionOf(activityRemoveInputSchema, input)).toBe(message);
  });
});
