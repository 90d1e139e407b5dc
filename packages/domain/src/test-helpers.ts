import type { z } from 'zod';
import { isTidelineError } from './errors.js';
import { parseInput } from './validate.js';

/** The VALIDATION_FAILED message parseInput throws for `input`; fails if it parses. */
export function rejectionOf(schema: z.ZodType, input: unknown): string {
  try {
    parseInput(schema, input);
  } catch (error) {
    if (isTidelineError(error) && error.code === 'VALIDATION_FAILED') return error.message;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

/**
 * Rows written `[case, input, message]` reordered to `[case, message, input]`, so a test
 * name's two `%s` can quote the case and the expected message.
 */
export function rejectionCases(
  rows: readonly (readonly [string, unknown, string])[],
): [string, string, unknown][] {
  return rows.map(([name, input, message]) => [name, message, input]);
}
