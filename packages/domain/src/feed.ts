import { z } from 'zod';
import type { FieldError } from './errors.js';
import { validationError } from './validate.js';

/** The id half of a feed, e.g. `ana` in `user:ana` (docs/product.md §1). */
export const feedIdPattern = /^[A-Za-z0-9_-]{1,128}$/;
/** A configured group name, e.g. `timeline_aggregated`. */
export const feedGroupNamePattern = /^[a-z0-9_]{1,64}$/;
const feedPattern = /^[a-z0-9_]{1,64}:[A-Za-z0-9_-]{1,128}$/;

const feedMessage = 'must be a feed like group:id';
const feedIdMessage = 'must be 1 to 128 letters, digits, _ or -';
const groupMessage = 'must be 1 to 64 lowercase letters, digits or _';

export const feedIdSchema = z.string().regex(feedIdPattern, { error: feedIdMessage });

export const feedGroupNameSchema = z.string().regex(feedGroupNamePattern, { error: groupMessage });

/** A feed in its canonical string form, `group:id`. */
export const feedSchema = z.string().regex(feedPattern, { error: feedMessage });

/** A feed in its canonical string form, `group:id`, e.g. `timeline:ana`. */
export type Feed = string;
export type FeedRef = Readonly<{ group: string; id: string }>;

function split(feed: string): FeedRef {
  const colon = feed.indexOf(':');
  return { group: feed.slice(0, colon), id: feed.slice(colon + 1) };
}

/** Parses `group:id` into its parts, e.g. for REST paths `/feeds/{group}/{id}`. */
export const feedRefSchema = feedSchema.transform(split);

/**
 * Splits a feed string into group and id, rejecting anything malformed.
 *
 * @example
 * parseFeed('timeline:ana'); // { group: 'timeline', id: 'ana' }
 */
export function parseFeed(feed: string): FeedRef {
  if (!feedPattern.test(feed)) throw validationError([{ path: 'feed', message: feedMessage }]);
  return split(feed);
}

/**
 * Joins group and id into the canonical feed string, rejecting malformed parts so a bad
 * path parameter can never produce a feed that parseFeed would refuse.
 *
 * @example
 * formatFeed({ group: 'user', id: 'bob' }); // 'user:bob'
 */
export function formatFeed(ref: FeedRef): Feed {
  const fields: FieldError[] = [];
  if (!feedGroupNamePattern.test(ref.group)) fields.push({ path: 'group', message: groupMessage });
  if (!feedIdPattern.test(ref.id)) fields.push({ path: 'id', message: feedIdMessage });
  if (fields.length > 0) throw validationError(fields);
  return `${ref.group}:${ref.id}`;
}
