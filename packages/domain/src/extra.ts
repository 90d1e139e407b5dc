import { z } from 'zod';
import { findJsonProblems, type JsonObject, jsonByteLength } from './json.js';

/** docs/product.md §1: `extra` is at most 16 KiB once serialized. */
export const maxExtraBytes = 16_384;

/**
 * An activity's `extra`: a JSON object of at most 16 KiB (UTF-8 bytes of its JSON).
 * Arrays and primitives are refused. Keys named `__proto__` are dropped by zod.
 */
export const extraSchema = z
  .record(z.string(), z.unknown(), {
    error: (issue) =>
      issue.code === 'invalid_type' && issue.input !== undefined
        ? 'must be a JSON object'
        : undefined,
  })
  .superRefine((value, ctx) => {
    const problems = findJsonProblems(value);
    for (const problem of problems) ctx.addIssue({ code: 'custom', ...problem });
    if (problems.length > 0) return;
    const bytes = jsonByteLength(value);
    if (bytes > maxExtraBytes) {
      ctx.addIssue({
        code: 'custom',
        message: `must be at most ${maxExtraBytes} bytes as JSON, got ${bytes}`,
      });
    }
  })
  .pipe(z.record(z.string(), z.json()));

export type Extra = JsonObject;
