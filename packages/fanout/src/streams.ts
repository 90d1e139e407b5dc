import type { Feed } from '@tideline/domain';

/** Activity events (and marks) of one feed. */
export function feedStream(feed: Feed): string {
  return `feed:${feed}`;
}

/** Follow and unfollow events of one edge. */
export function followStream(source: Feed, target: Feed): string {
  return `follow:${source}>${target}`;
}
