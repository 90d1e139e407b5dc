import { z } from 'zod';
import { storableTextProblem } from './storable-text.js';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Nesting allowed inside `extra`: deep enough for real payloads, shallow enough to walk. */
export const maxJsonDepth = 32;

export type JsonProblem = { path: PropertyKey[]; message: string };

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Lists the places where a value is not plain JSON (undefined, NaN, functions, class
 * instances, …) or nests too deep. Iterative, so hostile nesting cannot overflow the stack.
 *
 * @example
 * findJsonProblems({ a: [1, undefined] }); // [{ path: ['a', 1], message: 'must be a JSON value' }]
 */
export function findJsonProblems(value: unknown, maxDepth = maxJsonDepth): JsonProblem[] {
  const problems: JsonProblem[] = [];
  const stack: { value: unknown; path: PropertyKey[]; depth: number }[] = [
    { value, path: [], depth: 0 },
  ];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value: current, path, depth } = next;
    if (typeof current === 'string') {
      const problem = storableTextProblem(current);
      if (problem !== undefined) problems.push({ path, message: problem });
      continue;
    }
    if (current === null || typeof current === 'boolean') continue;
    if (typeof current === 'number' && Number.isFinite(current)) continue;
    if (typeof current !== 'object' || !(Array.isArray(current) || isPlainObject(current))) {
      problems.push({ path, message: 'must be a JSON value' });
      continue;
    }
    if (depth >= maxDepth) {
      problems.push({ path, message: `must not nest deeper than ${maxDepth} levels` });
      continue;
    }
    const entries: [PropertyKey, unknown][] = Array.isArray(current)
      ? current.map((item, index) => [index, item])
      : Object.entries(current);
    if (!Array.isArray(current)) {
      for (const key of Object.keys(current)) {
        const problem = storableTextProblem(key);
        if (problem !== undefined)
          problems.push({ path: [...path, key], message: `key ${problem}` });
      }
    }
    // Pushed in reverse so problems come out in document order.
    for (const [key, child] of entries.reverse()) {
      stack.push({ value: child, path: [...path, key], depth: depth + 1 });
    }
  }
  return problems;
}

const encoder = new TextEncoder();

/**
 * Size of a value's JSON serialization in UTF-8 bytes, the unit the 16 KiB limit uses.
 * Meant for values that findJsonProblems has passed.
 *
 * @example
 * jsonByteLength({ a: 'é' }); // 10
 */
export function jsonByteLength(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).byteLength;
}

/** Any JSON value, reporting the exact path of anything JSON cannot carry. */
export const jsonValueSchema = z
  .unknown()
  .superRefine((value, ctx) => {
    for (const problem of findJsonProblems(value)) ctx.addIssue({ code: 'custom', ...problem });
  })
  .pipe(z.json());
