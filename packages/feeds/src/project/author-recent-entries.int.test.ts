import type { StoredActivity } from '@tideline/domain';
import { readAll, readCheckpoint, type StoredEvent } from '@tideline/event-store';
import { projectAll } from '@tideline/event-store/testing';
import type { Entry } from '@tideline/fanout';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentPage, directEntries } from '../read/feed-queries.js';
import { createFeedHarness, type FeedHarness } from '../testing/feed-harness.js';
import {
  appliedOperations,
  buildReferenceModel,
  createSeededRandom,
  describeOperations,
  expectedFeed,
  generateOperations,
  type Operation,
  type ReferenceModel,
} from '../testing/index.js';
import { addActivity } from '../write/add-activities.js';
import { follow } from '../write/follow-feeds.js';
import { removeActivity } from '../write/remove-activity.js';
import { feedProjector } from './feed-projector.js';
import { refreshAuthorEntries, VIEW_REFRESH_LOCK } from './refresh-author-entries.js';

/**
 * docs/product.md §6: the `author_recent_entries` materialized view serves feed regeneration and the
 * PostgreSQL fallback; whatever its age, reads equal the reference model.
 *
 * The projector runs here in replay mode, batch by batch when the test says so, so a test
 * controls exactly what the read models hold when the view is refreshed. Reads through the
 * timeline reader start from an emptied Redis, so every feed is regenerated from
 * PostgreSQL — through the view.
 */

const SEEDS = (process.env.VIEW_SEEDS ?? '1,2,3').split(',').map(Number);
const THRESHOLD = 2;

let h: FeedHarness;
beforeAll(async () => {
  h = await createFeedHarness('views', { fanoutThreshold: THRESHOLD, timelineMax: 12 });
});
afterAll(() => h.destroy());

const db = () => h.testDb.db;
const projector = () =>
  feedProjector({
    redis: h.redis,
    queue: { enqueue: async () => {} },
    config: h.config,
    replay: true,
  });

/** Projects up to `limit` more events (default: the whole log). */
function project(limit = Number.POSITIVE_INFINITY): Promise<number> {
  return projectAll(db(), projector(), { batchSize: 50, limit });
}

const refresh = (depth: number, minFollowers: number) =>
  refreshAuthorEntries(db(), { depth, minFollowers, intervalMs: 0 });

async function viewRows(feed: string): Promise<{ activity_id: string; is_floor: boolean }[]> {
  const result = await sql<{ activity_id: string; is_floor: boolean }>`
    SELECT activity_id, is_floor FROM author_recent_entries WHERE feed = ${feed}
    ORDER BY time_ms DESC, activity_id DESC`.execute(db());
  return result.rows;
}

/** A feed as `feed_entries` holds it now, newest first. */
async function liveIds(feed: string): Promise<string[]> {
  const result = await sql<{ activity_id: string }>`
    SELECT activity_id FROM feed_entries WHERE feed = ${feed}
    ORDER BY time_ms DESC, activity_id DESC`.execute(db());
  return result.rows.map((row) => row.activity_id);
}

/** Every page of `read`, following the last entry as the cursor. */
async function allPages(
  read: (before: Entry | undefined) => Promise<Entry[]>,
  limit: number,
): Promise<string[]> {
  const ids: string[] = [];
  let before: Entry | undefined;
  for (;;) {
    const page = await read(before);
    ids.push(...page.map((entry) => entry.id));
    const last = page[page.length - 1];
    if (page.length < limit || !last) return ids;
    before = last;
  }
}

let minute = 0;
const post = async (feed: string, time?: string) => {
  minute += 1;
  const actor = feed.split(':')[1] ?? 'x';
  const { activity } = await addActivity(db(), feed, {
    actor,
    verb: 'post',
    object: `o:${minute}`,
    time: time ?? new Date(Date.UTC(2024, 4, 1, 12, minute)).toISOString(),
  });
  return activity;
};

describe('refreshing the view', () => {
  it('given a projected log, when refreshed, then it keeps the newest `depth` entries of each feed with more than `minFollowers` followers, at the checkpoint', async () => {
    for (const n of [1, 2, 3])
      await follow(db(), { source: `timeline:rf-${n}`, target: 'user:rf-star' });
    await follow(db(), { source: 'timeline:rf-1', target: 'user:rf-small' });
    const star: StoredActivity[] = [];
    for (let i = 0; i < 5; i += 1) star.push(await post('user:rf-star'));
    await post('user:rf-small');
    await project();

    const result = await refresh(3, THRESHOLD);

    expect(result).toMatchObject({ status: 'refreshed', entries: 3 });
    if (result.status !== 'refreshed') return;
    expect(result.position).toBe(await readCheckpoint(db(), 'feeds'));
    expect(await viewRows('user:rf-star')).toEqual([
      { activity_id: star[4]?.id, is_floor: false },
      { activity_id: star[3]?.id, is_floor: false },
      { activity_id: star[2]?.id, is_floor: true },
    ]);
    expect(await viewRows('user:rf-small')).toEqual([]);
  });

  it('given a refresh less than the interval ago, then the next call is not due and says when it will be', async () => {
    await refresh(3, THRESHOLD);
    const result = await refreshAuthorEntries(db(), {
      depth: 3,
      minFollowers: THRESHOLD,
      intervalMs: 60_000,
    });
    expect(result.status).toBe('not-due');
    expect(result.dueInMs).toBeGreaterThan(50_000);
    expect(result.dueInMs).toBeLessThanOrEqual(60_000);
  });

  it('given another process refreshing, then a refresh finds it busy and does nothing', async () => {
    const before = await sql<{ refreshed_at: Date }>`
      SELECT refreshed_at FROM author_recent_entries_refresh`.execute(db());
    const result = await db()
      .connection()
      .execute(async (other) => {
        await sql`SELECT pg_advisory_lock(${VIEW_REFRESH_LOCK})`.execute(other);
        try {
          return await refresh(3, THRESHOLD);
        } finally {
          await sql`SELECT pg_advisory_unlock(${VIEW_REFRESH_LOCK})`.execute(other);
        }
      });
    expect(result.status).toBe('busy');
    const after = await sql<{ refreshed_at: Date }>`
      SELECT refreshed_at FROM author_recent_entries_refresh`.execute(db());
    expect(after.rows).toEqual(before.rows);
  });
});

describe('reading through the view', () => {
  it('given a covered feed, then its entries up to the view position come from the view, and other feeds from the live table', async () => {
    for (const n of [1, 2, 3])
      await follow(db(), { source: `timeline:src-${n}`, target: 'user:src-star' });
    const starPosts = [await post('user:src-star'), await post('user:src-star')];
    const otherPost = await post('user:src-other');
    await project();
    await refresh(10, THRESHOLD);
    const hidden = starPosts[0]?.id ?? '';
    const rows = await sql<Record<string, unknown>>`
      SELECT * FROM feed_entries WHERE activity_id IN (${hidden}, ${otherPost.id})`.execute(db());

    // Behind the projector's back (never done for real): the live rows go.
    await sql`DELETE FROM feed_entries WHERE activity_id IN (${hidden}, ${otherPost.id})`.execute(
      db(),
    );
    try {
      const star = await directEntries(db(), 'user:src-star', 10);
      const other = await directEntries(db(), 'user:src-other', 10);
      expect(star.map((e) => e.id)).toContain(hidden);
      expect(other.map((e) => e.id)).not.toContain(otherPost.id);
      // The next refresh sees the live table again.
      await refresh(10, THRESHOLD);
      expect((await directEntries(db(), 'user:src-star', 10)).map((e) => e.id)).not.toContain(
        hidden,
      );
    } finally {
      for (const row of rows.rows) {
        await sql`
          INSERT INTO feed_entries (feed, time_ms, activity_id, added_position, group_id)
          VALUES (${row.feed}, ${row.time_ms}, ${row.activity_id}, ${row.added_position}, ${row.group_id})`.execute(
          db(),
        );
      }
      await refresh(10, THRESHOLD);
    }
  });

  it('given entries added, backdated and removed after the refresh, above and below its floor, then reads equal the live table', async () => {
    for (const n of [1, 2, 3])
      await follow(db(), { source: `timeline:chg-${n}`, target: 'user:chg-star' });
    const posts: StoredActivity[] = [];
    for (let i = 0; i < 8; i += 1) posts.push(await post('user:chg-star'));
    await project();
    await refresh(4, THRESHOLD); // keeps posts 7..4; the floor is post 4
    expect((await viewRows('user:chg-star')).map((r) => r.activity_id)).toEqual(
      [7, 6, 5, 4].map((i) => posts[i]?.id),
    );

    await post('user:chg-star'); // newest
    await post('user:chg-star', '2024-04-01T00:00:00.000Z'); // backdated below the floor
    for (const i of [6, 4, 1]) {
      await removeActivity(db(), 'user:chg-star', { id: posts[i]?.id ?? '' });
    }
    await project();

    const expected = await liveIds('user:chg-star');
    expect(expected).toHaveLength(7);
    for (const limit of [1, 2, 3, 20]) {
      const read = await allPages(
        (before) => directEntries(db(), 'user:chg-star', limit, before),
        limit,
      );
      expect(read, `pages of ${limit}`).toEqual(expected);
    }
    const timeline = await allPages(
      (before) => contentPage(db(), 'timeline:chg-1', 2, before, THRESHOLD),
      2,
    );
    expect(timeline).toEqual(expected);
  });
});

/** Runs operations through the commands, one at a time. */
async function execute(operations: readonly Operation[], each: (index: number) => Promise<void>) {
  const applied = appliedOperations(db(), operations);
  for (const [index, op] of operations.entries()) {
    await each(index);
    await applied.apply(op);
  }
}

async function logEvents(): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  let after: StoredEvent['position'] | undefined;
  for (;;) {
    const page = await readAll(db(), { ...(after ? { after } : {}), limit: 5000 });
    if (page.events.length === 0) return events;
    events.push(...page.events);
    after = page.next;
  }
}

/** Every feed of the model, read three ways, against the model. */
async function compare(model: ReferenceModel, feeds: readonly string[], label: string) {
  const mismatches: string[] = [];
  await h.dropTimelineKeys();
  for (const feed of feeds) {
    const expected = expectedFeed(model, feed);
    const pg = await allPages((before) => contentPage(db(), feed, 3, before, THRESHOLD), 3);
    const direct = await allPages((before) => directEntries(db(), feed, 2, before), 2);
    const regenerated = await h.readAllIds(feed, { limit: 4 });
    if (JSON.stringify(pg) !== JSON.stringify(expected))
      mismatches.push(`${label} contentPage ${feed}: ${pg.join(' ')} ≠ ${expected.join(' ')}`);
    if (JSON.stringify(regenerated) !== JSON.stringify(expected))
      mismatches.push(
        `${label} regenerated ${feed}: ${regenerated.join(' ')} ≠ ${expected.join(' ')}`,
      );
    const live = await liveIds(feed);
    if (JSON.stringify(direct) !== JSON.stringify(live))
      mismatches.push(`${label} direct ${feed}: ${direct.join(' ')} ≠ ${live.join(' ')}`);
  }
  return mismatches;
}

describe('reads equal the reference model whatever the view age', () => {
  for (const seed of SEEDS) {
    it(`stays exact across refreshes, changes after them and a rebuild, for seed ${seed}`, async () => {
      const random = createSeededRandom(seed * 104_729);
      const operations = generateOperations({
        seed,
        count: 150,
        users: 5,
        thresholdCrossings: { author: `user:u0`, threshold: THRESHOLD },
      }).map((op) => prefixed(op, `s${seed}`));
      const feedsOf = (model: ReferenceModel) =>
        [...model.feeds.keys()].filter((feed) => feed.includes(`s${seed}`));
      const mismatches: string[] = [];
      let compared = 0;
      await execute(operations, async (index) => {
        if (index === 0) return;
        // Project a little, refresh now and then (the view then lags what comes after).
        if (random.chance(0.3)) await project(random.int(1, 20));
        if (random.chance(0.15)) await refresh(random.int(1, 5), random.int(0, THRESHOLD + 1));
        if (index % 40 === 0) {
          await project();
          const model = buildReferenceModel(await logEvents());
          mismatches.push(...(await compare(model, feedsOf(model), `at ${index}`)));
          compared += 1;
        }
      });
      await project();
      const model = buildReferenceModel(await logEvents());
      mismatches.push(...(await compare(model, feedsOf(model), 'at the end')));

      // A rebuild resets the checkpoint to the start: the view (ahead of it) is ignored
      // while the replay catches up, and describes the log again once it has passed.
      await refresh(3, 0);
      const rebuilt = projector();
      await db()
        .transaction()
        .execute(async (tx) => {
          await rebuilt.reset?.({ tx });
          await sql`UPDATE consumer_checkpoints SET transaction_id = '0', position = 0
                  WHERE name = 'feeds'`.execute(tx);
        });
      await project(Math.floor((await logEvents()).length / 2));
      for (const feed of feedsOf(model)) {
        const direct = await allPages((before) => directEntries(db(), feed, 3, before), 3);
        if (JSON.stringify(direct) !== JSON.stringify(await liveIds(feed)))
          mismatches.push(`mid-replay direct ${feed}: ${direct.join(' ')}`);
      }
      await project();
      mismatches.push(...(await compare(model, feedsOf(model), 'after the rebuild')));

      expect(compared).toBeGreaterThan(0);
      expect(mismatches, `seed ${seed}\n${describeOperations(operations)}`).toEqual([]);
    }, 240_000);
  }
});

/** The operation with every feed id prefixed, so seeds share the database without sharing feeds. */
function prefixed(op: Operation, prefix: string): Operation {
  const feed = (f: string) => f.replace(':', `:${prefix}-`);
  switch (op.kind) {
    case 'add':
      return {
        ...op,
        feed: feed(op.feed),
        activity: { ...op.activity, ...(op.activity.to ? { to: op.activity.to.map(feed) } : {}) },
      };
    case 'follow':
    case 'unfollow':
      return { ...op, source: feed(op.source), target: feed(op.target) };
    case 'followMany':
      return {
        ...op,
        follows: op.follows.map((f) => ({ ...f, source: feed(f.source), target: feed(f.target) })),
      };
    case 'mark':
      return { ...op, feed: feed(op.feed) };
    default:
      return op;
  }
}
