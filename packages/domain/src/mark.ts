import { z } from 'zod';
import { refineStorable } from './storable-text.js';
import { findRepeats } from './unique.js';

/** docs/product.md §5: a mark names at most 1000 groups. */
export const maxMarkedGroups = 1000;

/** Aggregated group ids as a notification feed read returns them. */
const groupIdsSchema = z
  .array(z.string().min(1).max(1024).superRefine(refineStorable))
  .min(1)
  .max(maxMarkedGroups)
  .superRefine((ids, ctx) => {
    for (const { index, key } of findRepeats(ids, (id) => id)) {
      ctx.addIssue({ code: 'custom', path: [index], message: `must not repeat "${key}"` });
    }
  });

/** `true` marks every group; a list marks just those groups. */
export const markTargetSchema = z.union([z.literal(true), groupIdsSchema], {
  error: 'must be true or a list of group ids',
});

export type MarkTarget = z.output<typeof markTargetSchema>;

/** Mark groups of a notification feed as seen and/or read. */
export const markInputSchema = z
  .strictObject({ seen: markTargetSchema.optional(), read: markTargetSchema.optional() })
  .superRefine((mark, ctx) => {
    if (mark.seen === undefined && mark.read === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must give seen or read' });
    }
  });

export type MarkInput = z.output<typeof markInputSchema>;
