import { z } from 'zod';
import { feedSchema } from './feed.js';
import { findRepeats } from './unique.js';

/** docs/product.md §1: following copies the target's latest 100 activities unless told otherwise. */
export const defaultCopyLimit = 100;
export const maxCopyLimit = 1000;
/** docs/product.md §5: follow-many takes at most 1000 follows. */
export const maxFollowBatch = 1000;

function refuseSelfFollow(pair: { source: string; target: string }, ctx: z.RefinementCtx): void {
  if (pair.source === pair.target) {
    ctx.addIssue({ code: 'custom', path: ['target'], message: 'must differ from source' });
  }
}

/**
 * How many of the target's activities a follow copies. A pipe, so a transport that coerces
 * query strings into numbers (trpc-to-openapi coerces every plain number field of an
 * input, bodies included) cannot turn `true`, `null` or `"5"` in a body into a count.
 */
export const copyLimitSchema = z.number().int().min(0).max(maxCopyLimit).pipe(z.number());

/** `source` follows `target`, e.g. `timeline:ana` → `user:bob`. */
export const followInputSchema = z
  .strictObject({
    source: feedSchema,
    target: feedSchema,
    copyLimit: copyLimitSchema.default(defaultCopyLimit),
  })
  .superRefine(refuseSelfFollow);

export type FollowInput = z.output<typeof followInputSchema>;

/** Stop following; the copied activities go too unless `keepHistory` is true. */
export const unfollowInputSchema = z
  .strictObject({
    source: feedSchema,
    target: feedSchema,
    keepHistory: z.boolean().default(false),
  })
  .superRefine(refuseSelfFollow);

export type UnfollowInput = z.output<typeof unfollowInputSchema>;

/** Up to 1000 follows at once, none repeated. */
export const followManyInputSchema = z
  .array(followInputSchema)
  .min(1)
  .max(maxFollowBatch)
  .superRefine((follows, ctx) => {
    const key = (follow: FollowInput) => `${follow.source} -> ${follow.target}`;
    for (const repeat of findRepeats(follows, key)) {
      ctx.addIssue({
        code: 'custom',
        path: [repeat.index],
        message: `must not repeat the follow ${repeat.key}`,
      });
    }
  });

export type FollowManyInput = z.output<typeof followManyInputSchema>;
