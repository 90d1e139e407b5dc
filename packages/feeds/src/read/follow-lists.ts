import { type Feed, feedSchema, parseInput, TidelineError } from '@tideline/domain';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';

export interface FollowPage {
  /** The feeds on the other end of each edge, in feed-name order. */
  results: { feed: Feed }[];
  next: string | null;
}

const limitSchema = z.number().int().min(1).max(100);

/**
 * The feeds `feed` follows (`following`) or that follow it (`followers`), a page at a
 * time in feed-name order, from the projector's current edges. The cursor is the last
 * feed returned.
 *
 * @example
 * const page = await followPage(db, 'timeline:ana', 'following', { limit: 50 });
 */
export async function followPage(
  db: Kysely<unknown>,
  feed: Feed,
  direction: 'following' | 'followers',
  options: { limit?: number; cursor?: string | null } = {},
): Promise<FollowPage> {
  const valid = parseInput(feedSchema, feed);
  const limit = parseInput(limitSchema, options.limit ?? 25);
  const after = options.cursor ? decodeFeedCursor(options.cursor) : '';
  const [mine, theirs] = direction === 'following' ? ['source', 'target'] : ['target', 'source'];
  const rows = await sql<{ feed: string }>`
    SELECT ${sql.ref(theirs)} AS feed FROM follows
    WHERE ${sql.ref(mine)} = ${valid} AND ${sql.ref(theirs)} > ${after}
    ORDER BY ${sql.ref(theirs)} LIMIT ${limit + 1}`.execute(db);
  const page = rows.rows.slice(0, limit);
  const last = page.at(-1);
  return {
    results: page.map((row) => ({ feed: row.feed })),
    next: rows.rows.length > limit && last ? Buffer.from(last.feed).toString('base64url') : null,
  };
}

function decodeFeedCursor(cursor: string): Feed {
  const feed = Buffer.from(cursor, 'base64url').toString();
  if (!feedSchema.safeParse(feed).success) {
    throw new TidelineError(
      'VALIDATION_FAILED',
      'cursor: must be a `next` value from an earlier page',
      {
        fields: [{ path: 'cursor', message: 'must be a `next` value from an earlier page' }],
      },
    );
  }
  return feed;
}
