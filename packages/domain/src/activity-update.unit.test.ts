import { describe, expect, it } from 'vitest';
import { activityUpdateInputSchema, applyExtraUpdate } from './activity-update.js';
import { rejectionCases, rejectionOf } from './test-helpers.js';
import { parseInput } from './validate.js';

describe('activity update input', () => {
  it('given set and unset on different paths, when parsed, then both are kept', () => {
    const update = { set: { 'stats.likes': 2, title: 'hi' }, unset: ['draft', 'meta.tmp'] };
    expect(parseInput(activityUpdateInputSchema, update)).toEqual(update);
  });

  it('given sibling paths under one parent, when parsed, then they are accepted', () => {
    const update = { set: { 'a.b': 1, 'a.c': 2 }, unset: ['a.d'] };
    expect(parseInput(activityUpdateInputSchema, update)).toEqual(update);
  });

  it.each(
    rejectionCases([
      ['nothing to change', {}, 'must set or unset at least one path'],
      ['empty set and unset', { set: {}, unset: [] }, 'must set or unset at least one path'],
      ['set that is an array', { set: [1] }, 'set: must be an object'],
      ['unset that is a string', { unset: 'a' }, 'unset: must be an array'],
      ['an unset path that is a number', { unset: [1] }, 'unset[0]: must be a string'],
      [
        'an empty path',
        { unset: [''] },
        'unset[0]: must be a dotted path like a.b of letters, digits, _ or -',
      ],
      [
        'an empty segment',
        { set: { 'a..b': 1 } },
        'set["a..b"]: must be a dotted path like a.b of letters, digits, _ or -',
      ],
      [
        'a trailing dot',
        { unset: ['a.'] },
        'unset[0]: must be a dotted path like a.b of letters, digits, _ or -',
      ],
      [
        'a segment with a space',
        { set: { 'a b': 1 } },
        'set["a b"]: must be a dotted path like a.b of letters, digits, _ or -',
      ],
      [
        'a path nine segments deep',
        { unset: ['a.b.c.d.e.f.g.h.i'] },
        'unset[0]: must have at most 8 segments',
      ],
      [
        'a __proto__ segment',
        { set: { 'a.__proto__.polluted': true } },
        'set["a.__proto__.polluted"]: must not use the reserved segment __proto__',
      ],
      [
        'a path both set and unset',
        { set: { a: 1 }, unset: ['a'] },
        'unset[0]: must not be both set and unset',
      ],
      ['a repeated unset path', { unset: ['a', 'b', 'a'] }, 'unset[2]: must not repeat "a"'],
      [
        'a set path inside another',
        { set: { a: {}, 'a.b': 1 } },
        'set["a.b"]: must not overlap "a"',
      ],
      [
        'an unset path inside a set one',
        { set: { a: 1 }, unset: ['a.b'] },
        'unset[0]: must not overlap "a"',
      ],
      ['a set value that is not JSON', { set: { a: undefined } }, 'set.a: must be a JSON value'],
      [
        'a nested set value that is not JSON',
        { set: { a: { b: [Number.NaN] } } },
        'set.a.b[0]: must be a JSON value',
      ],
      [
        'more than 100 unset paths',
        { unset: Array.from({ length: 101 }, (_, index) => `p${index}`) },
        'unset: must have at most 100 items',
      ],
      [
        'more than 100 set paths',
        { set: Object.fromEntries(Array.from({ length: 101 }, (_, index) => [`p${index}`, 1])) },
        'set: must have at most 100 paths',
      ],
      ['an unknown field', { set: { a: 1 }, extra: {} }, 'extra: is not a known field'],
    ]),
  )('given %s, when parsed, then it is rejected with "%s"', (_case, message, input) => {
    expect(rejectionOf(activityUpdateInputSchema, input)).toBe(message);
  });
});

describe('applyExtraUpdate', () => {
  it('given a nested path, when set, then only that leaf changes', () => {
    const extra = { stats: { likes: 1, shares: 3 }, title: 'x' };
    expect(applyExtraUpdate(extra, { set: { 'stats.likes': 2 } })).toEqual({
      stats: { likes: 2, shares: 3 },
      title: 'x',
    });
  });

  it('given missing parents, when a deep path is set, then the parents are created', () => {
    expect(applyExtraUpdate({}, { set: { 'a.b.c': true } })).toEqual({ a: { b: { c: true } } });
  });

  it('given a parent that is not an object, when a path below it is set, then it is replaced', () => {
    expect(applyExtraUpdate({ a: [1], b: 'x' }, { set: { 'a.x': 1, 'b.y': 2 } })).toEqual({
      a: { x: 1 },
      b: { y: 2 },
    });
  });

  it('given a nested path, when unset, then only that key is removed', () => {
    const extra = { meta: { tmp: 1, keep: 2 }, title: 'x' };
    expect(applyExtraUpdate(extra, { unset: ['meta.tmp'] })).toEqual({
      meta: { keep: 2 },
      title: 'x',
    });
  });

  it('given a path that does not exist, when unset, then nothing changes', () => {
    const extra = { a: { b: 1 }, s: 'x' };
    expect(applyExtraUpdate(extra, { unset: ['a.c', 'x.y', 's.t'] })).toEqual(extra);
  });

  it('given an inherited name like constructor, when unset, then nothing changes', () => {
    expect(applyExtraUpdate({ a: 1 }, { unset: ['constructor.name'] })).toEqual({ a: 1 });
  });

  it('given an inherited name like constructor, when set below, then a plain key is created', () => {
    expect(applyExtraUpdate({}, { set: { 'constructor.x': 1 } })).toEqual({
      constructor: { x: 1 },
    });
  });

  it('given set and unset together, when applied, then both take effect', () => {
    const extra = { stats: { likes: 1 }, tag: 'x' };
    expect(applyExtraUpdate(extra, { set: { 'stats.likes': 2 }, unset: ['tag'] })).toEqual({
      stats: { likes: 2 },
    });
  });

  it('given an update, when applied, then the input is not mutated', () => {
    const extra = { stats: { likes: 1 }, tag: 'x' };
    const before = structuredClone(extra);
    const after = applyExtraUpdate(extra, { set: { 'stats.likes': 2 }, unset: ['tag'] });
    expect([extra, after === extra]).toEqual([before, false]);
  });

  it('given a parsed update, when applied, then it yields the documented result', () => {
    const update = parseInput(activityUpdateInputSchema, {
      set: { 'profile.name': 'Ana', 'profile.tags': ['a', 'b'] },
      unset: ['profile.old'],
    });
    expect(applyExtraUpdate({ profile: { old: true, age: 3 } }, update)).toEqual({
      profile: { age: 3, name: 'Ana', tags: ['a', 'b'] },
    });
  });
});
