import { z } from 'zod';
import type { JsonObject, JsonValue } from './json.js';
import { jsonValueSchema } from './json.js';
import { findRepeats } from './unique.js';

export const maxExtraPathSegments = 8;
export const maxExtraPathsPerUpdate = 100;

const segmentPattern = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Problem with a dotted path into `extra`, or undefined when it is fine. `__proto__` is
 * refused because assigning it would rewrite an object's prototype, not add a key.
 */
function extraPathProblem(path: string): string | undefined {
  const segments = path.split('.');
  if (!segments.every((segment) => segmentPattern.test(segment))) {
    return 'must be a dotted path like a.b of letters, digits, _ or -';
  }
  if (segments.length > maxExtraPathSegments) {
    return `must have at most ${maxExtraPathSegments} segments`;
  }
  if (segments.includes('__proto__')) return 'must not use the reserved segment __proto__';
  return undefined;
}

function overlaps(a: string, b: string): boolean {
  return a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

/**
 * A partial update of an activity's `extra`: `set` writes values at dotted paths, `unset`
 * deletes them. Paths may not repeat or nest inside each other, so the result never
 * depends on the order the changes are applied in.
 */
export const activityUpdateInputSchema = z
  .strictObject({
    set: z.record(z.string(), jsonValueSchema).optional(),
    unset: z.array(z.string()).max(maxExtraPathsPerUpdate).optional(),
  })
  .superRefine((update, ctx) => {
    const setPaths = Object.keys(update.set ?? {});
    const unsetPaths = update.unset ?? [];
    if (setPaths.length + unsetPaths.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'must set or unset at least one path' });
      return;
    }
    if (setPaths.length > maxExtraPathsPerUpdate) {
      ctx.addIssue({
        code: 'custom',
        path: ['set'],
        message: `must have at most ${maxExtraPathsPerUpdate} paths`,
      });
    }
    const all: { path: string; at: PropertyKey[] }[] = [
      ...setPaths.map((path) => ({ path, at: ['set', path] })),
      ...unsetPaths.map((path, index) => ({ path, at: ['unset', index] })),
    ];
    const valid = all.filter(({ path, at }) => {
      const message = extraPathProblem(path);
      if (message !== undefined) ctx.addIssue({ code: 'custom', path: at, message });
      return message === undefined;
    });
    const repeats = new Set(findRepeats(valid, ({ path }) => path).map(({ index }) => index));
    valid.forEach(({ path, at }, index) => {
      if (repeats.has(index)) {
        const message =
          at[0] === 'unset' && setPaths.includes(path)
            ? 'must not be both set and unset'
            : `must not repeat "${path}"`;
        ctx.addIssue({ code: 'custom', path: at, message });
        return;
      }
      const outer = valid.slice(0, index).find((earlier) => overlaps(earlier.path, path));
      if (outer !== undefined) {
        ctx.addIssue({ code: 'custom', path: at, message: `must not overlap "${outer.path}"` });
      }
    });
  });

export type ActivityUpdateInput = z.output<typeof activityUpdateInputSchema>;

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function childOf(object: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function setPath(object: JsonObject, [head, ...rest]: string[], value: JsonValue): JsonObject {
  if (head === undefined) return object;
  if (rest.length === 0) return { ...object, [head]: value };
  const child = childOf(object, head);
  return { ...object, [head]: setPath(isObject(child) ? child : {}, rest, value) };
}

function unsetPath(object: JsonObject, [head, ...rest]: string[]): JsonObject {
  if (head === undefined || !Object.hasOwn(object, head)) return object;
  if (rest.length === 0)
    return Object.fromEntries(Object.entries(object).filter(([key]) => key !== head));
  const child = childOf(object, head);
  return isObject(child) ? { ...object, [head]: unsetPath(child, rest) } : object;
}

/**
 * Applies a validated update to `extra` without mutating it. `set` creates missing
 * parents and replaces non-object ones; `unset` of a missing path is a no-op. Untouched
 * branches are shared with the input, which is safe because neither is ever mutated.
 * The caller re-checks the 16 KiB limit on the result.
 *
 * @example
 * applyExtraUpdate({ stats: { likes: 1 }, tag: 'x' }, { set: { 'stats.likes': 2 }, unset: ['tag'] });
 * // { stats: { likes: 2 } }
 */
export function applyExtraUpdate(extra: JsonObject, update: ActivityUpdateInput): JsonObject {
  let result: JsonObject = { ...extra };
  for (const path of update.unset ?? []) result = unsetPath(result, path.split('.'));
  for (const [path, value] of Object.entries(update.set ?? {})) {
    result = setPath(result, path.split('.'), value);
  }
  return result;
}
