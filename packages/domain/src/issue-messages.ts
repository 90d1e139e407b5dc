import type { z } from 'zod';

// zod's `expected` names, phrased as the thing a field "must be".
const expectedPhrases: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  record: 'an object',
  array: 'an array',
  tuple: 'an array',
  null: 'null',
};

function quote(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : String(value);
}

function sizePhrase(origin: string, bound: number | bigint, unit: 'least' | 'most'): string {
  if (origin === 'string') return `must be at ${unit} ${bound} characters`;
  if (origin === 'array' || origin === 'set') return `must have at ${unit} ${bound} items`;
  return `must be at ${unit} ${bound}`;
}

/**
 * A zod error map that phrases every generic issue as a sentence fragment to follow a
 * field name (`actor: is required`). Schemas set their own message for domain rules
 * (patterns, refinements); this covers the rest. `parseInput` applies it per parse; an
 * API layer that lets zod parse directly can install it with `z.config({ customError })`.
 *
 * @example
 * schema.safeParse(input, { error: readableIssueMessage });
 */
export const readableIssueMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${expectedPhrases[issue.expected] ?? issue.expected}`;
    case 'too_small':
      if (Number(issue.minimum) === 1 && (issue.origin === 'string' || issue.origin === 'array')) {
        return 'must not be empty';
      }
      if (issue.inclusive === false) return `must be greater than ${issue.minimum}`;
      return sizePhrase(issue.origin, issue.minimum, 'least');
    case 'too_big':
      if (issue.inclusive === false) return `must be less than ${issue.maximum}`;
      return sizePhrase(issue.origin, issue.maximum, 'most');
    case 'invalid_format':
      return issue.format === 'regex' ? 'has an invalid format' : `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      return `has unknown ${issue.keys.length === 1 ? 'field' : 'fields'} ${issue.keys.map(quote).join(', ')}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${quote(issue.values[0])}`
        : `must be one of ${issue.values.map(quote).join(', ')}`;
    case 'invalid_union':
      return 'does not match any allowed shape';
    case 'invalid_key':
      return 'has an invalid key';
    case 'invalid_element':
      return 'has an invalid element';
    default:
      return 'is invalid';
  }
};
