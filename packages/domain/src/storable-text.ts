import type { z } from 'zod';

/**
 * Why PostgreSQL could not store a string as text or jsonb, if it could not: a NUL
 * character, or an unpaired UTF-16 surrogate (not encodable as UTF-8). Checked at the
 * edge, so such input is a 400 naming the field instead of a failed write.
 *
 * @example
 * storableTextProblem('a\u0000b'); // 'must not contain NUL (\\u0000) characters'
 * storableTextProblem('ok'); // undefined
 */
export function storableTextProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain NUL (\\u0000) characters';
  // With the u flag a valid pair is one code point, so only unpaired halves match.
  if (/\p{Cs}/u.test(text)) return 'must be valid Unicode (no unpaired surrogates)';
  return undefined;
}

/** A zod check adding `storableTextProblem`'s message to a string schema. */
export function refineStorable(text: string, ctx: z.RefinementCtx): void {
  const problem = storableTextProblem(text);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
}
