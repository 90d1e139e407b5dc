import type { Feed } from '@tideline/domain';
import type { FollowEdge } from '../entry.js';

/**
 * Every Redis key of one feed shares the hash tag `{<prefix><feed>}`, so on Redis Cluster
 * they live in one slot and a script or MULTI may touch them together.
 */
export interface FeedKeys {
  /** Present while the feed's keys are complete; expires after FANOUT_ACTIVE_DAYS unread. */
  live: string;
  /** direct(F): sorted set, score = time ms, member = activity id. */
  own: string;
  /** What write fan-out delivered from F's follows. */
  tl: string;
  /** Followed fan-out-on-write feeds → guard (`cutoffMs|cutoffId|edgePosition`). */
  fow: string;
  /** Followed fan-out-on-read feeds → guard, merged at read time. */
  for: string;
  /** Which of `own`/`tl` were ever cut to the cap (then incomplete below their lowest entry). */
  trim: string;
}

export function feedKeys(prefix: string, feed: Feed): FeedKeys {
  const tag = `${prefix}{${feed}}`;
  return {
    live: `${tag}:live`,
    own: `${tag}:own`,
    tl: `${tag}:tl`,
    fow: `${tag}:fow`,
    for: `${tag}:for`,
    trim: `${tag}:trim`,
  };
}

/** The body cache of one activity (JSON), or the tombstone `"removed"`. */
export function activityKey(prefix: string, id: string): string {
  return `${prefix}act:{${id}}`;
}

/** A follow edge's guard: the cutoff key (empty = everything) and the edge's identity. */
export type EdgeGuard = Pick<FollowEdge, 'cutoffMs' | 'cutoffId' | 'followedPosition'>;

export function formatGuard(guard: EdgeGuard): string {
  return `${guard.cutoffMs ?? ''}|${guard.cutoffId ?? ''}|${guard.followedPosition}`;
}

export function parseGuard(value: string): EdgeGuard {
  const [ms = '', id = '', followedPosition = ''] = value.split('|');
  return {
    cutoffMs: ms === '' ? null : Number(ms),
    cutoffId: id === '' ? null : id,
    followedPosition,
  };
}
