import { describe, expect, it } from 'vitest';
import { followInputSchema, followManyInputSchema, unfollowInputSchema } from './follow.js';
import { rejectionCases, rejectionOf } from './test-helpers.js';
import { parseInput } from './validate.js';

const follow = { source: 'timeline:ana', target: 'user:bob' };

describe('follow input', () => {
  it('given no copyLimit, when parsed, then it defaults to 100', () => {
    expect(parseInput(followInputSchema, follow)).toEqual({ ...follow, copyLimit: 100 });
  });

  it.each([0, 1000])('given copyLimit %s, when parsed, then it is kept', (copyLimit) => {
    expect(parseInput(followInputSchema, { ...follow, copyLimit }).copyLimit).toBe(copyLimit);
  });

  it.each(
    rejectionCases([
      ['nothing', {}, 'source: is required; target: is required'],
      ['a malformed source', { ...follow, source: 'ana' }, 'source: must be a feed like group:id'],
      [
        'a malformed target',
        { ...follow, target: 'user:' },
        'target: must be a feed like group:id',
      ],
      [
        'a feed following itself',
        { source: 'user:ana', target: 'user:ana' },
        'target: must differ from source',
      ],
      ['a negative copyLimit', { ...follow, copyLimit: -1 }, 'copyLimit: must be at least 0'],
      ['a copyLimit over 1000', { ...follow, copyLimit: 1001 }, 'copyLimit: must be at most 1000'],
      ['a fractional copyLimit', { ...follow, copyLimit: 2.5 }, 'copyLimit: must be an integer'],
      ['a copyLimit as text', { ...follow, copyLimit: '10' }, 'copyLimit: must be a number'],
      ['an unknown field', { ...follow, notify: true }, 'notify: is not a known field'],
    ]),
  )('given %s, when parsed, then it is rejected with "%s"', (_case, message, input) => {
    expect(rejectionOf(followInputSchema, input)).toBe(message);
  });
});

describe('unfollow input', () => {
  it('given no keepHistory, when parsed, then it defaults to false', () => {
    expect(parseInput(unfollowInputSchema, follow)).toEqual({ ...follow, keepHistory: false });
  });

  it('given keepHistory true, when parsed, then it is kept', () => {
    expect(parseInput(unfollowInputSchema, { ...follow, keepHistory: true }).keepHistory).toBe(
      true,
    );
  });

  it.each(
    rejectionCases([
      [
        'a feed unfollowing itself',
        { source: 'user:ana', target: 'user:ana' },
        'target: must differ from source',
      ],
      ['keepHistory as text', { ...follow, keepHistory: 'yes' }, 'keepHistory: must be a boolean'],
      ['a copyLimit', { ...follow, copyLimit: 5 }, 'copyLimit: is not a known field'],
    ]),
  )('given %s, when parsed, then it is rejected with "%s"', (_case, message, input) => {
    expect(rejectionOf(unfollowInputSchema, input)).toBe(message);
  });
});

describe('follow-many input', () => {
  it('given 1000 distinct follows, when parsed, then each gets its default copyLimit', () => {
    const follows = Array.from({ length: 1000 }, (_, index) => ({
      source: `timeline:u${index}`,
      target: 'user:bob',
    }));
    const parsed = parseInput(followManyInputSchema, follows);
    expect([parsed.length, parsed.every((item) => item.copyLimit === 100)]).toEqual([1000, true]);
  });

  it.each(
    rejectionCases([
      ['no follows', [], 'must not be empty'],
      [
        'more than 1000 follows',
        Array.from({ length: 1001 }, (_, index) => ({
          source: `timeline:u${index}`,
          target: 'user:bob',
        })),
        'must have at most 1000 items',
      ],
      ['an object instead of a list', follow, 'must be an array'],
      [
        'a self-follow inside',
        [follow, { source: 'user:x', target: 'user:x' }],
        '[1].target: must differ from source',
      ],
      [
        'a repeated follow',
        [follow, { ...follow, copyLimit: 5 }],
        '[1]: must not repeat the follow timeline:ana -> user:bob',
      ],
    ]),
  )('given %s, when parsed, then it is rejected with "%s"', (_case, message, input) => {
    expect(rejectionOf(followManyInputSchema, input)).toBe(message);
  });
});
