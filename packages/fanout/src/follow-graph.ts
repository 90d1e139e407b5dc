import type { Feed } from '@tideline/domain';
import type { Entry, FollowEdge } from './entry.js';

/**
 * What fan-out needs to know about the follow graph and feed contents, as of the batch
 * being projected. The feeds package answers it from its PostgreSQL read models, in the
 * projector's transaction; fan-out never reads those tables itself.
 */
export interface FollowGraph {
  /** Exact follower counts of `feeds` (missing = 0). */
  followerCounts(feeds: readonly Feed[]): Promise<Map<Feed, number>>;
  /** The current followers' edges of each of `authors`, by author. */
  edgesOfAuthors(authors: readonly Feed[]): Promise<Map<Feed, FollowEdge[]>>;
  /** Every current edge into `author`. */
  edgesTo(author: Feed): Promise<FollowEdge[]>;
  /**
   * For each edge, the entries it contributes (newest first, at most `limit`), keyed
   * `source>target`.
   */
  contributionsOf(edges: readonly FollowEdge[], limit: number): Promise<Map<string, Entry[]>>;
  /**
   * What write fan-out has delivered into `feed`'s timeline: the newest `limit` entries
   * contributed by its fan-out-on-write follows (kept history included).
   */
  writeTimeline(feed: Feed, limit: number): Promise<Entry[]>;
}
