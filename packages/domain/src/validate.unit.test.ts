import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TidelineError } from './errors.js';
import { readableIssueMessage } from './issue-messages.js';
import { formatIssues, formatPath, parseInput, validationError } from './validate.js';

describe('formatPath', () => {
  it.each([
    [[], ''],
    [['actor'], 'actor'],
    [['to', 3], 'to[3]'],
    [[0, 'target'], '[0].target'],
    [['extra', 'a', 'b'], 'extra.a.b'],
    [['set', 'a.b'], 'set["a.b"]'],
    [['extra', 'a-b'], 'extra["a-b"]'],
  ] as const)('given %j, when formatted, then it reads %j', (path, text) => {
    expect(formatPath(path)).toBe(text);
  });
});

describe('parseInput', () => {
  const schema = z.strictObject({ name: z.string().max(3), tags: z.array(z.string()).optional() });

  it('given valid input, when parsed, then the parsed value is returned', () => {
    expect(parseInput(schema, { name: 'ana' })).toEqual({ name: 'ana' });
  });

  it('given invalid input, when parsed, then it throws VALIDATION_FAILED listing every field', () => {
    let thrown: unknown;
    try {
      parseInput(schema, { name: 'anabel', tags: ['a', 1], x: 1 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TidelineError);
    expect(thrown).toMatchObject({
      code: 'VALIDATION_FAILED',
      message:
        'name: must be at most 3 characters; tags[1]: must be a string; x: is not a known field',
      details: {
        fields: [
          { path: 'name', message: 'must be at most 3 characters' },
          { path: 'tags[1]', message: 'must be a string' },
          { path: 'x', message: 'is not a known field' },
        ],
      },
    });
  });
});

describe('readableIssueMessage', () => {
  const messageFor = (schema: z.ZodType, input: unknown) =>
    schema.safeParse(input, { error: readableIssueMessage }).error?.issues[0]?.message;

  const rows: [string, string, z.ZodType, unknown][] = [
    ['a missing value', 'is required', z.string(), undefined],
    ['a wrong type', 'must be a number', z.number(), 'x'],
    ['a type zod names unusually', 'must be bigint', z.bigint(), 'x'],
    ['a short string', 'must be at least 3 characters', z.string().min(3), 'ab'],
    ['a short list', 'must have at least 2 items', z.array(z.string()).min(2), ['a']],
    ['a small number', 'must be at least 5', z.number().min(5), 4],
    ['an exclusive lower bound', 'must be greater than 5', z.number().gt(5), 5],
    ['an exclusive upper bound', 'must be less than 5', z.number().lt(5), 5],
    [
      'a bad pattern without its own message',
      'has an invalid format',
      z.string().regex(/^a$/),
      'b',
    ],
    ['a bad email', 'must be a valid email', z.email(), 'nope'],
    ['a wrong multiple', 'must be a multiple of 5', z.number().multipleOf(5), 7],
    ['a wrong literal', 'must be "x"', z.literal('x'), 'y'],
    ['a value outside an enum', 'must be one of "a", "b"', z.enum(['a', 'b']), 'c'],
    ['two unknown keys', 'has unknown fields "a", "b"', z.strictObject({}), { a: 1, b: 2 }],
    [
      'no union branch',
      'does not match any allowed shape',
      z.union([z.string(), z.number()]),
      true,
    ],
    ['a bad record key', 'has an invalid key', z.record(z.string().max(1), z.number()), { bb: 1 }],
    ['a failed refinement', 'is invalid', z.string().refine(() => false), 'x'],
  ];

  it.each(rows)(
    'given %s, when parsed, then the message is "%s"',
    (_case, message, schema, input) => {
      expect(messageFor(schema, input)).toBe(message);
    },
  );
});

describe('formatIssues', () => {
  it('given a union no branch fits, when formatted, then the union message stands', () => {
    const schema = z.union([z.literal(true), z.array(z.string())], {
      error: 'must be true or a list',
    });
    const issues = schema.safeParse(false).error?.issues ?? [];
    expect(formatIssues(issues)).toEqual([{ path: '', message: 'must be true or a list' }]);
  });

  it('given a union one branch fits in shape, when formatted, then that branch is precise', () => {
    const schema = z.strictObject({ seen: z.union([z.literal(true), z.array(z.string())]) });
    const issues =
      schema.safeParse({ seen: ['a', 1] }, { error: readableIssueMessage }).error?.issues ?? [];
    expect(formatIssues(issues)).toEqual([{ path: 'seen[1]', message: 'must be a string' }]);
  });
});

describe('validationError', () => {
  it('given a root-level field, when built, then the message has no path prefix', () => {
    expect(
      validationError([
        { path: '', message: 'must give seen or read' },
        { path: 'x', message: 'is not a known field' },
      ]).message,
    ).toBe('must give seen or read; x: is not a known field');
  });
});
