import type { Feed } from '@tideline/domain';

/** The event-log stream of one feed's activity events (and marks). */
export function feedStreamName(feed: Feed): string {
  return `feed:${feed}`;
}

/** The event-log stream of one edge's follow and unfollow events. */
export function followStreamName(source: Feed, target: Feed): string {
  return `follow:${source}>${target}`;
}
