import { feedKeys } from '@tideline/fanout';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { FeedsConfig } from '../config.js';
import { contentPage } from '../read/feed-queries.js';
import type { TimelineReader } from '../read/timeline-reader.js';
import { expectedFeed, type ReferenceModel } from './reference-model.js';

export interface FeedMismatchesOptions {
  db: Kysely<unknown>;
  /** Read only to describe a mismatching feed's keys. */
  redis: Redis;
  reader: TimelineReader;
  config: FeedsConfig;
  model: ReferenceModel;
  /** Prefixes each mismatch, e.g. the run and the read path. */
  label: string;
}

/**
 * Every flat feed of the reference model read page by page and compared with it: the ids
 * in order and each activity's latest body. Returns one description per mismatch (with
 * the feed's Redis keys and PostgreSQL content, to debug from), empty when all agree.
 *
 * @example
 * expect(await feedMismatches({ db, redis, reader, config, model, label: 'live' })).toEqual([]);
 */
export async function feedMismatches(options: FeedMismatchesOptions): Promise<string[]> {
  const { db, redis, reader, config, model, label } = options;
  const mismatches: string[] = [];
  for (const feed of model.feeds.keys()) {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await reader.readFeed(feed, { limit: 7, cursor });
      for (const activity of page.results) {
        seen.push(activity.id);
        const expected = model.activities.get(activity.id);
        if (JSON.stringify(expected?.extra) !== JSON.stringify(activity.extra)) {
          mismatches.push(`${feed}: ${activity.id} shows an outdated body`);
        }
      }
      cursor = page.next;
    } while (cursor);
    const expected = expectedFeed(model, feed);
    if (JSON.stringify(seen) !== JSON.stringify(expected)) {
      const missing = expected.filter((id) => !seen.includes(id));
      const extra = seen.filter((id) => !expected.includes(id));
      const origin = (id: string) => {
        const activity = model.activities.get(id);
        return activity
          ? `${id}@${[activity.feed, ...activity.to].join('+')}@${activity.time}`
          : id;
      };
      const keys = feedKeys(config.redisPrefix, feed);
      const state = {
        own: await redis.zrevrange(keys.own, 0, -1, 'WITHSCORES'),
        tl: await redis.zrevrange(keys.tl, 0, -1, 'WITHSCORES'),
        fow: await redis.hgetall(keys.fow),
        for: await redis.hgetall(keys.for),
        trim: await redis.hgetall(keys.trim),
        pg: (await contentPage(db, feed, 1000, undefined, config.fanoutThreshold)).map((e) => e.id),
      };
      mismatches.push(
        `${label} ${feed} (redis and postgres: ${JSON.stringify(state)}): missing ${missing.map(origin).join(' ')}; unexpected ${extra.join(' ')}\n  got      ${seen.join(' ')}\n  expected ${expected.join(' ')}`,
      );
    }
  }
  return mismatches;
}
