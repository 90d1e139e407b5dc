import {
  defaultFeedGroups,
  type Feed,
  type FeedGroupConfig,
  feedSchema,
  findFeedGroup,
  markInputSchema,
  parseFeed,
  parseInput,
  TidelineError,
} from '@tideline/domain';
import { appendToStream, type Position } from '@tideline/event-store';
import type { Kysely } from 'kysely';
import { type CommandContext, metadataOf } from './command-context.js';
import { feedStreamName } from './stream-names.js';

/**
 * Marks groups of a notification feed seen and/or read — all of them (`true`) or those
 * named by id. Marks commute, so no expected version is needed.
 *
 * @example
 * const { position } = await markFeed(db, 'notification:ana', { seen: true });
 */
export async function markFeed(
  db: Kysely<unknown>,
  feed: Feed,
  input: unknown,
  context: CommandContext = {},
  groups: readonly FeedGroupConfig[] = defaultFeedGroups,
): Promise<{ position: Position }> {
  const validFeed = parseInput(feedSchema, feed);
  const mark = parseInput(markInputSchema, input);
  if (findFeedGroup(groups, parseFeed(validFeed).group)?.kind !== 'notification') {
    throw new TidelineError('VALIDATION_FAILED', 'feed: must be a notification feed', {
      fields: [{ path: 'feed', message: 'must be a notification feed' }],
    });
  }
  const { position } = await db.transaction().execute((tx) =>
    appendToStream(tx, feedStreamName(validFeed), [
      {
        type: 'FeedMarked',
        data: {
          feed: validFeed,
          ...(mark.seen === undefined ? {} : { seen: mark.seen }),
          ...(mark.read === undefined ? {} : { read: mark.read }),
        },
        metadata: metadataOf(context),
      },
    ]),
  );
  return { position };
}
