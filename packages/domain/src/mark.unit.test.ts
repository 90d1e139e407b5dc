import { describe, expect, it } from 'vitest';
import { markInputSchema } from './mark.js';
import { rejectionCases, rejectionOf } from './test-helpers.js';
import { parseInput } from './validate.js';

describe('mark input', () => {
  it.each([
    { seen: true },
    { read: true },
    { seen: true, read: ['g1', 'g2'] },
    { seen: ['like|2024-05-01'] },
  ])('given %o, when parsed, then it is accepted unchanged', (mark) => {
    expect(parseInput(markInputSchema, mark)).toEqual(mark);
  });

  it('given 1000 group ids, when parsed, then they are accepted', () => {
    const ids = Array.from({ length: 1000 }, (_, index) => `g${index}`);
    expect(parseInput(markInputSchema, { read: ids }).read).toHaveLength(1000);
  });

  it.each(
    rejectionCases([
      ['neither seen nor read', {}, 'must give seen or read'],
      ['seen false', { seen: false }, 'seen: must be true or a list of group ids'],
      ['read as a string', { read: 'all' }, 'read: must be true or a list of group ids'],
      ['an empty list', { seen: [] }, 'seen: must not be empty'],
      ['an empty group id', { read: ['g1', ''] }, 'read[1]: must not be empty'],
      ['a numeric group id', { read: [7] }, 'read[0]: must be a string'],
      [
        'a group id over 1024 characters',
        { seen: ['g'.repeat(1025)] },
        'seen[0]: must be at most 1024 characters',
      ],
      ['a repeated group id', { seen: ['g1', 'g2', 'g1'] }, 'seen[2]: must not repeat "g1"'],
      [
        'more than 1000 group ids',
        { seen: Array.from({ length: 1001 }, (_, index) => `g${index}`) },
        'seen: must have at most 1000 items',
      ],
      ['an unknown field', { seen: true, all: true }, 'all: is not a known field'],
    ]),
  )('given %s, when parsed, then it is rejected with "%s"', (_case, message, input) => {
    expect(rejectionOf(markInputSchema, input)).toBe(message);
  });
});
