import {
  type Feed,
  type FeedGroupConfig,
  type FeedRef,
  feedSchema,
  findFeedGroup,
  parseFeed,
  validationError,
} from '@tideline/domain';
import { type Principal, principalName } from '../auth.js';
import type { ApiContext } from '../context.js';

/** The context of an `authedProcedure`: the request's, with who it acts for. */
export type AuthedContext = ApiContext & { principal: Principal };

/** The feed a path names, refused unless its group is configured. */
export function feedAt(ctx: AuthedContext, ref: FeedRef): Feed {
  requireConfigured(ctx.deps.config.groups, ref.group, 'group');
  return `${ref.group}:${ref.id}`;
}

/** Refuses a group the configuration does not name, as a validation error at `path`. */
export function requireConfigured(groups: readonly FeedGroupConfig[], group: string, path: string) {
  if (findFeedGroup(groups, group) !== undefined) return;
  const names = groups.map((g) => g.name).join(', ');
  throw validationError([{ path, message: `must be a configured feed group (${names})` }]);
}

/** Every feed a write names besides the path's must be in a configured group too. */
export function requireConfiguredFeeds(
  ctx: AuthedContext,
  feeds: readonly (readonly [string, string])[],
) {
  for (const [path, feed] of feeds) {
    const parsed = feedSchema.safeParse(feed);
    if (parsed.success) requireConfigured(ctx.deps.config.groups, parseFeed(feed).group, path);
  }
}

/** What the events a command appends record about it: who caused it, and which request. */
export function commandContext(ctx: AuthedContext) {
  return { principal: principalName(ctx.principal), correlationId: ctx.requestId };
}
