import type { z } from 'zod';
import { type FieldError, TidelineError } from './errors.js';
import { readableIssueMessage } from './issue-messages.js';

const plainKey = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Renders a zod path the way a JavaScript reader would write it.
 *
 * @example
 * formatPath(['to', 3]); // 'to[3]'
 * formatPath(['set', 'a.b']); // 'set["a.b"]'
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && plainKey.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

// A union branch failed on the value's shape itself, not on something inside it.
function isShapeMismatch(issues: readonly z.core.$ZodIssue[]): boolean {
  return issues.every(
    (issue) =>
      issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value'),
  );
}

/**
 * Turns zod issues into field errors. An unknown-keys issue becomes one error per key,
 * so each unknown field is named where it sits. When a union fails and exactly one
 * branch accepted the value's shape (`seen: ['a', 7]` is a list, not `true`), that
 * branch's precise errors replace the union's summary.
 *
 * @example
 * formatIssues(result.error.issues); // [{ path: 'actor', message: 'is required' }]
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.flatMap((issue): FieldError[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        message: 'is not a known field',
      }));
    }
    if (issue.code === 'invalid_union') {
      const [branch, ...others] = issue.errors.filter((errors) => !isShapeMismatch(errors));
      if (branch !== undefined && others.length === 0) {
        return formatIssues(
          branch.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })),
        );
      }
    }
    return [{ path: formatPath(issue.path), message: issue.message }];
  });
}

/**
 * Builds the VALIDATION_FAILED error whose message names every offending field.
 *
 * @example
 * validationError([{ path: 'actor', message: 'is required' }]).message; // 'actor: is required'
 */
export function validationError(fields: readonly FieldError[]): TidelineError {
  const message = fields
    .map(({ path, message: text }) => (path === '' ? text : `${path}: ${text}`))
    .join('; ');
  return new TidelineError('VALIDATION_FAILED', message, { fields });
}

/**
 * Parses untrusted input, or throws a VALIDATION_FAILED TidelineError listing each
 * offending field.
 *
 * @example
 * parseInput(followInputSchema, { source: 'timeline:ana', target: 'user:bob' });
 * // { source: 'timeline:ana', target: 'user:bob', copyLimit: 100 }
 * parseInput(activityInputSchema, { verb: 'post', object: 'p:1' });
 * // throws TidelineError('VALIDATION_FAILED', 'actor: is required', …)
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input, { error: readableIssueMessage });
  if (result.success) return result.data;
  throw validationError(formatIssues(result.error.issues));
}
