import { describe, expect, it } from 'vitest';
import { extraSchema, maxExtraBytes } from './extra.js';
import { jsonByteLength } from './json.js';
import { rejectionCases, rejectionOf } from './test-helpers.js';
import { parseInput } from './validate.js';

// {"t":"…"} costs 8 bytes around the string; 'é' is 2 bytes in UTF-8, '€' is 3.
function extraOfBytes(bytes: number, char: string): { t: string } {
  const charBytes = new TextEncoder().encode(char).byteLength;
  const room = bytes - 8;
  return { t: char.repeat(Math.floor(room / charBytes)) + 'a'.repeat(room % charBytes) };
}

describe('extra', () => {
  it('given nested JSON, when parsed, then it is accepted unchanged', () => {
    const extra = { a: { b: [1, 'x', null, true, { c: -2.5 }] } };
    expect(parseInput(extraSchema, extra)).toEqual(extra);
  });

  it('given an empty object, when parsed, then it is accepted', () => {
    expect(parseInput(extraSchema, {})).toEqual({});
  });

  it.each(['é', '€', '😀'])(
    'given exactly 16384 bytes of JSON built from %s, when parsed, then it is accepted',
    (char) => {
      const extra = extraOfBytes(maxExtraBytes, char);
      expect(jsonByteLength(extra)).toBe(16384);
      expect(parseInput(extraSchema, extra)).toEqual(extra);
    },
  );

  it.each(['é', '€', '😀'])(
    'given 16385 bytes of JSON built from %s, when parsed, then it is rejected naming the size',
    (char) => {
      const extra = extraOfBytes(maxExtraBytes + 1, char);
      expect(rejectionOf(extraSchema, extra)).toBe(
        'must be at most 16384 bytes as JSON, got 16385',
      );
    },
  );

  it('given 8192 two-byte characters, when measured, then they count as 16384 bytes, not 8192 characters', () => {
    const extra = { t: 'é'.repeat(8188) };
    expect([JSON.stringify(extra).length, jsonByteLength(extra)]).toEqual([8196, 16384]);
  });

  it('given nesting 32 levels deep, when parsed, then it is accepted', () => {
    let extra: Record<string, unknown> = {};
    for (let level = 1; level < 32; level++) extra = { a: extra };
    expect(parseInput(extraSchema, extra)).toEqual(extra);
  });

  it.each(
    rejectionCases([
      ['an array', [], 'must be a JSON object'],
      ['a string', 'hello', 'must be a JSON object'],
      ['a number', 1, 'must be a JSON object'],
      ['null', null, 'must be a JSON object'],
      ['a class instance', new Date(0), 'must be a JSON object'],
      ['an undefined value', { a: undefined }, 'a: must be a JSON value'],
      ['NaN', { a: Number.NaN }, 'a: must be a JSON value'],
      ['Infinity in an array', { a: [1, Number.POSITIVE_INFINITY] }, 'a[1]: must be a JSON value'],
      ['a function', { a: { b: () => 1 } }, 'a.b: must be a JSON value'],
      ['a Date value', { when: new Date(0) }, 'when: must be a JSON value'],
      ['a bigint', { n: 1n }, 'n: must be a JSON value'],
      ['a Map', { m: new Map() }, 'm: must be a JSON value'],
      ['a key that needs quoting', { 'a b': undefined }, '["a b"]: must be a JSON value'],
      [
        'two bad values',
        { a: undefined, b: { c: Number.NaN } },
        'a: must be a JSON value; b.c: must be a JSON value',
      ],
    ]),
  )('given %s, when parsed, then it is rejected with "%s"', (_case, message, input) => {
    expect(rejectionOf(extraSchema, input)).toBe(message);
  });

  it('given nesting 33 levels deep, when parsed, then the too-deep level is named', () => {
    let extra: Record<string, unknown> = {};
    for (let level = 1; level < 33; level++) extra = { a: extra };
    expect(rejectionOf(extraSchema, extra)).toBe(
      `${Array(32).fill('a').join('.')}: must not nest deeper than 32 levels`,
    );
  });

  it('given a cycle, when parsed, then it is rejected instead of looping', () => {
    const extra: Record<string, unknown> = {};
    extra.self = extra;
    expect(rejectionOf(extraSchema, extra)).toMatch(/must not nest deeper than 32 levels$/);
  });
});
