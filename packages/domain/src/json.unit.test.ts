import { describe, expect, it } from 'vitest';
import { findJsonProblems, jsonByteLength, jsonValueSchema } from './json.js';
import { rejectionOf } from './test-helpers.js';
import { parseInput } from './validate.js';

describe('json', () => {
  it.each([null, 'x', 0, -1.5, true, [], {}, [{ a: [null] }]])(
    'given %j, when checked, then it has no problems',
    (value) => {
      expect(findJsonProblems(value)).toEqual([]);
    },
  );

  it('given problems in several places, when checked, then they are listed in document order', () => {
    expect(findJsonProblems({ a: [undefined, 1, Number.NaN], b: { c: Symbol('s') } })).toEqual([
      { path: ['a', 0], message: 'must be a JSON value' },
      { path: ['a', 2], message: 'must be a JSON value' },
      { path: ['b', 'c'], message: 'must be a JSON value' },
    ]);
  });

  it('given a custom depth, when nesting exceeds it, then the too-deep value is named', () => {
    expect(findJsonProblems({ a: { b: [1] } }, 2)).toEqual([
      { path: ['a', 'b'], message: 'must not nest deeper than 2 levels' },
    ]);
  });

  it('given hostile nesting 100,000 levels deep, when checked, then it reports without overflowing the stack', () => {
    let value: unknown = 1;
    for (let level = 0; level < 100_000; level++) value = [value];
    expect(findJsonProblems(value)).toHaveLength(1);
  });

  it('given multibyte text, when measured, then bytes are counted in UTF-8', () => {
    expect([jsonByteLength({ a: 'é' }), jsonByteLength('€'), jsonByteLength('😀')]).toEqual([
      10, 5, 6,
    ]);
  });

  it('given a JSON array, when parsed as a JSON value, then it is accepted', () => {
    expect(parseInput(jsonValueSchema, [1, 'a', { b: null }])).toEqual([1, 'a', { b: null }]);
  });

  it('given undefined, when parsed as a JSON value, then it is rejected', () => {
    expect(rejectionOf(jsonValueSchema, undefined)).toBe('must be a JSON value');
  });
});

describe('strings PostgreSQL cannot store', () => {
  it('given NUL or an unpaired surrogate in a value or key, when checked, then each is named', () => {
    expect(findJsonProblems({ a: 'x\u0000y', list: ['\ud800'], 'k\u0000': 1 })).toEqual([
      { path: ['k\u0000'], message: 'key must not contain NUL (\\u0000) characters' },
      { path: ['a'], message: 'must not contain NUL (\\u0000) characters' },
      { path: ['list', 0], message: 'must be valid Unicode (no unpaired surrogates)' },
    ]);
  });

  it('given paired surrogates (emoji) and other control characters, when checked, then they pass', () => {
    expect(
      findJsonProblems({ emoji: '👍🏽', rtl: '\u202eabc', zw: 'a\u200bb', tab: '\t' }),
    ).toEqual([]);
  });
});
