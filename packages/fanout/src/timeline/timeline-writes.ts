import type { Feed } from '@tideline/domain';
import type { Entry } from '../entry.js';
import { activityKey, feedKeys } from './keys.js';
import type { ScriptedPipeline } from './scripts.js';

/** Flattens entries into `score member` pairs for ZADD-like script arguments. */
export function pairs(entries: readonly Entry[]): (string | number)[] {
  return entries.flatMap((entry) => [entry.timeMs, entry.id]);
}

/** Body cache lifetime: bodies are cheap to read back from PostgreSQL. */
export const BODY_TTL_SECONDS = 7 * 24 * 3600;
export const TOMBSTONE = 'removed';

/**
 * Queues the Redis side of projector events on one pipeline, in event order. Every
 * operation is idempotent: a batch replayed after a crash writes the same state again.
 */
export function timelineWrites(pipeline: ScriptedPipeline, prefix: string, cap: number) {
  return {
    addDirect(feeds: readonly Feed[], entry: Entry) {
      for (const feed of feeds) {
        const keys = feedKeys(prefix, feed);
        pipeline.tlAddIfLive(keys.live, keys.own, keys.trim, cap, 'own', entry.timeMs, entry.id);
      }
    },
    removeDirect(feeds: readonly Feed[], id: string) {
      for (const feed of feeds) pipeline.zrem(feedKeys(prefix, feed).own, id);
    },
    cacheBody(id: string, body: unknown) {
      pipeline.set(activityKey(prefix, id), JSON.stringify(body), 'EX', BODY_TTL_SECONDS);
    },
    tombstone(id: string) {
      pipeline.set(activityKey(prefix, id), TOMBSTONE, 'EX', BODY_TTL_SECONDS);
    },
    attachEdge(
      follower: Feed,
      author: Feed,
      mode: 'read' | 'write',
      guard: string,
      copied: readonly Entry[],
    ) {
      const keys = feedKeys(prefix, follower);
      const hash = mode === 'write' ? keys.fow : keys.for;
      const copy = mode === 'write' ? copied : [];
      const cut = copy.length >= cap ? '1' : '0';
      pipeline.tlAttachEdge(
        keys.live,
        hash,
        keys.tl,
        keys.trim,
        author,
        guard,
        cap,
        cut,
        ...pairs(copy),
      );
    },
    detachEdge(follower: Feed, author: Feed, timeline: readonly Entry[]) {
      const keys = feedKeys(prefix, follower);
      const cut = timeline.length >= cap ? '1' : ('0' as const);
      pipeline.tlDetachEdge(
        keys.live,
        keys.fow,
        keys.for,
        keys.tl,
        keys.trim,
        author,
        cut,
        ...pairs(timeline),
      );
    },
  };
}
