import type { StoredActivity } from '@tideline/domain';
import { waitFor } from '@tideline/event-store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedHarness, type FeedHarness } from '../testing/feed-harness.js';
import { createSeededRandom } from '../testing/seeded-random.js';
import { addActivities, addActivity } from '../write/add-activities.js';
import { follow } from '../write/follow-feeds.js';
import { createTimelineReader, type FeedPage, type TimelineReader } from './timeline-reader.js';

/**
 * docs/product.md §3: the cursor is stable while new items arrive — paging a live timeline neither
 * repeats nor skips what was there, and pages stay newest first.
 */

let h: FeedHarness;
beforeAll(async () => {
  // One follower makes an author fan out on write; two make it fan out on read.
  h = await createFeedHarness('pagination', { fanoutThreshold: 1 });
  h.start();
});
afterAll(() => h.destroy());

const db = () => h.testDb.db;
const BASE = Date.UTC(2024, 4, 1, 12);
const iso = (ms: number) => new Date(ms).toISOString();

/** Newest first by `(time, id)`: negative when `a` comes first. */
function compareDesc(a: StoredActivity, b: StoredActivity): number {
  if (a.time !== b.time) return a.time < b.time ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Activities of `author`, `count` of them, several sharing each millisecond. */
async function seed(author: string, count: number, spacingMs: number) {
  const added: StoredActivity[] = [];
  for (let i = 0; i < count; i += 1) {
    const time = iso(BASE + Math.floor(i / 3) * spacingMs);
    const result = await addActivity(db(), author, {
      actor: author,
      verb: 'post',
      object: `o:${i}`,
      time,
    });
    added.push(result.activity);
  }
  return added;
}

/**
 * Keeps adding activities to the given authors until stopped: some newer than anything,
 * some back-dated into the range being paged.
 */
function startWriter(authors: readonly string[], seedValue: number) {
  const random = createSeededRandom(seedValue);
  let stopped = false;
  let count = 0;
  const done = (async () => {
    while (!stopped) {
      const author = authors[count % authors.length] ?? 'user:none';
      const backDated = random.chance(0.5);
      const time = backDated ? iso(BASE + random.int(0, 30) * 1000) : new Date().toISOString();
      await addActivity(db(), author, { actor: 'w', verb: 'post', object: `w:${count}`, time });
      count += 1;
    }
  })();
  return {
    get count() {
      return count;
    },
    async stop() {
      stopped = true;
      await done;
    },
  };
}

/** Pages through `feed` with limit 5, letting at least one concurrent write land per page. */
async function pageWhileWriting(feed: string, writer: ReturnType<typeof startWriter>) {
  const pages: FeedPage[] = [];
  let cursor: string | null = null;
  do {
    const seen = writer.count;
    const page: FeedPage = await h.reader.readFeed(feed, { limit: 5, cursor });
    pages.push(page);
    cursor = page.next;
    await waitFor(() => writer.count > seen, { message: 'a concurrent write' });
  } while (cursor && pages.length < 1000);
  return pages;
}

function expectStablePaging(pages: readonly FeedPage[], before: readonly StoredActivity[]) {
  const results = pages.flatMap((page) => page.results);
  const ids = results.map((activity) => activity.id);
  expect(new Set(ids).size, 'an activity was seen twice').toBe(ids.length);

  const first = pages[0]?.results[0];
  if (!first) throw new Error('the first page is empty');
  const olderThanFirst = before.filter((activity) => compareDesc(first, activity) < 0);
  const missing = olderThanFirst.filter((activity) => !ids.includes(activity.id));
  expect(
    missing.map((a) => a.id),
    'activities that existed before were skipped',
  ).toEqual([]);

  const sorted = [...results].sort(compareDesc);
  expect(ids, 'pages are newest first').toEqual(sorted.map((activity) => activity.id));
  expect(pages[pages.length - 1]?.next).toBeNull();
  expect(pages.slice(0, -1).every((page) => page.next !== null && page.results.length === 5)).toBe(
    true,
  );
}

describe('pagination under concurrent inserts', () => {
  it('given a write-fanned author posting meanwhile, when a live timeline is paged, then nothing repeats or is skipped', async () => {
    await h.reader.readFeed('timeline:pw');
    await follow(db(), { source: 'timeline:pw', target: 'user:pw-author' });
    const before = await seed('user:pw-author', 31, 1000);
    await h.quiesce();
    const writer = startWriter(['user:pw-author'], 1);

    const pages = await pageWhileWriting('timeline:pw', writer).finally(() => writer.stop());

    expectStablePaging(pages, before);
  });

  it('given a read-fanned and a write-fanned author posting meanwhile, when a live timeline is paged, then nothing repeats or is skipped', async () => {
    for (const reader of ['timeline:pm', 'timeline:pm-other']) {
      await h.reader.readFeed(reader);
      await follow(db(), { source: reader, target: 'user:pm-star' });
    }
    await follow(db(), { source: 'timeline:pm', target: 'user:pm-small' });
    const before = [
      ...(await seed('user:pm-star', 16, 1000)),
      ...(await seed('user:pm-small', 16, 1500)),
    ];
    await h.quiesce();
    const writer = startWriter(['user:pm-star', 'user:pm-small'], 2);

    const pages = await pageWhileWriting('timeline:pm', writer).finally(() => writer.stop());

    expectStablePaging(pages, before);
  });

  it('given a batch added without times (one shared millisecond), when the feed is paged by 5, then every activity is seen once', async () => {
    const added = await addActivities(
      db(),
      'user:same-ms',
      Array.from({ length: 60 }, (_, i) => ({ actor: 'same', verb: 'post', object: `s:${i}` })),
    );
    await h.quiesce();
    expect(new Set(added.map((r) => r.activity.time)).size).toBe(1);

    const ids = await h.readAllIds('user:same-ms', { limit: 5 });

    expect(ids).toHaveLength(60);
    expect([...ids].sort()).toEqual(added.map((r) => r.activity.id).sort());
  });

  it('given a malformed cursor, when read, then it is VALIDATION_FAILED', async () => {
    await expect(h.reader.readFeed('user:cut-a', { cursor: 'not-a-cursor' })).rejects.toMatchObject(
      {
        code: 'VALIDATION_FAILED',
      },
    );
  });
});

/**
 * The page script reads the sets of a page one after the other and, once one set has filled
 * the page, reads the rest only down to that set's last entry. Whatever the interleaving,
 * every page must equal the one merged from whole sets (the Cluster path) and the one
 * PostgreSQL answers.
 */
describe('pages merged from many sets', () => {
  const STARS = 4;

  /** Every page of `feed` with the given limits, as lists of ids. */
  async function pageIds(
    reader: TimelineReader,
    feed: string,
    limits: number[],
    minPosition?: string,
  ) {
    const pages: string[][] = [];
    let cursor: string | null = null;
    for (const limit of limits) {
      const page: FeedPage = await reader.readFeed(feed, { limit, cursor, minPosition });
      pages.push(page.results.map((activity) => activity.id));
      cursor = page.next;
      if (cursor === null) break;
    }
    return pages;
  }

  for (const seedValue of [1, 2, 3]) {
    it(`given read-fanned and write-fanned authors posting in shared milliseconds (seed ${seedValue}), when paged with random limits, then every page equals the whole-set merge and PostgreSQL's`, async () => {
      const random = createSeededRandom(seedValue);
      const feed = `timeline:pb${seedValue}`;
      const stars = Array.from({ length: STARS }, (_, k) => `user:pb${seedValue}-star${k}`);
      const small = `user:pb${seedValue}-small`;
      for (const reader of [feed, `${feed}-other`]) {
        await h.reader.readFeed(reader);
        for (const star of stars) await follow(db(), { source: reader, target: star });
      }
      await follow(db(), { source: feed, target: small });
      const authors = [...stars, small];
      // Authors post unevenly (some far more than a page), a few activities per millisecond.
      let last = '';
      for (const author of authors) {
        const count = random.int(3, 45);
        const batch = Array.from({ length: count }, (_, i) => ({
          actor: author.split(':')[1] ?? 'x',
          verb: 'post',
          object: `o:${i}`,
          time: iso(BASE + random.int(0, 40) * 1000),
        }));
        const added = await addActivities(db(), author, batch);
        last = added[added.length - 1]?.position ?? last;
      }
      await h.quiesce();
      const limits = Array.from({ length: 200 }, () => random.int(1, 12));
      const wholeSets = createTimelineReader({
        db: db(),
        redis: h.redis,
        config: h.config,
        pageScript: false,
      });

      const scripted = await pageIds(h.reader, feed, limits);
      const merged = await pageIds(wholeSets, feed, limits);
      const postgres = await pageIds(h.reader, feed, limits, last);

      expect(scripted, `seed ${seedValue}: page script vs whole-set merge`).toEqual(merged);
      expect(scripted, `seed ${seedValue}: page script vs PostgreSQL`).toEqual(postgres);
      expect(new Set(scripted.flat()).size).toBe(scripted.flat().length);
    });
  }
});
