import { randomBytes } from 'node:crypto';
import {
  activityIdPattern,
  activityIdRandomBytes,
  activityIdTime,
  formatActivityId,
  TidelineError,
} from '@tideline/domain';
import { comparePositions, isPosition } from '@tideline/event-store';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedHarness, type FeedHarness } from '../testing/feed-harness.js';
import { addActivities, addActivity } from './add-activities.js';
import { follow, followMany, unfollow } from './follow-feeds.js';
import { removeActivity } from './remove-activity.js';
import { updateActivity } from './update-activity.js';

/** docs/product.md §1 commands against the real event store: ids, idempotency, validation, conflicts. */

let h: FeedHarness;
beforeAll(async () => {
  h = await createFeedHarness('commands');
  h.start();
});
afterAll(() => h.destroy());

const db = () => h.testDb.db;
const at = (minute: number, second = 0) =>
  new Date(Date.UTC(2024, 4, 1, 12, minute, second)).toISOString();
const post = (actor: string, object: string, more: Record<string, unknown> = {}) => ({
  actor,
  verb: 'post',
  object,
  ...more,
});
const unknownId = () => formatActivityId(Date.now(), randomBytes(activityIdRandomBytes));

async function countEvents(where = sql`true`): Promise<number> {
  const result = await sql<{ n: string }>`SELECT count(*) AS n FROM events WHERE ${where}`.execute(
    db(),
  );
  return Number(result.rows[0]?.n ?? 0);
}

/** Runs `action`, expecting a TidelineError with `code`; returns it for further checks. */
async function rejection(action: () => Promise<unknown>, code: string): Promise<TidelineError> {
  const error = await action().then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(TidelineError);
  expect((error as TidelineError).code).toBe(code);
  return error as TidelineError;
}

describe('adding activities', () => {
  it('given an activity, when added, then it gets a time-sortable id and a position', async () => {
    const before = Date.now();
    const first = await addActivity(db(), 'user:ids', post('ids', 'p:1'));
    const second = await addActivity(db(), 'user:ids', post('ids', 'p:2'));
    const after = Date.now();

    expect(first.activity.id).toMatch(activityIdPattern);
    expect(activityIdTime(first.activity.id)).toBeGreaterThanOrEqual(before);
    expect(activityIdTime(second.activity.id)).toBeLessThanOrEqual(after);
    expect(activityIdTime(second.activity.id)).toBeGreaterThanOrEqual(
      activityIdTime(first.activity.id),
    );
    expect(isPosition(first.position)).toBe(true);
    expect(comparePositions(first.position, second.position)).toBeLessThan(0);
    expect(first.created).toBe(true);
  });

  it('given an activity with a foreignId, when added again with the same time, then the original comes back and one event is written', async () => {
    const input = post('idem', 'p:1', { foreignId: 'idem-1', time: at(1) });
    const first = await addActivity(db(), 'user:idem', input);
    const again = await addActivity(db(), 'user:idem', { ...input, object: 'p:changed' });

    expect(again.created).toBe(false);
    expect(again.activity).toEqual(first.activity);
    expect(again.position).toBe(first.position);
    expect(await countEvents(sql`data ->> 'foreignId' = 'idem-1'`)).toBe(1);
  });

  it('given the same (feed, foreignId, time) added concurrently, then every caller gets the one stored activity', async () => {
    // The race needs one add to commit between another's lookup and its append: repeat it.
    const ROUNDS = 150;
    const rounds = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const input = post('race', 'p', { foreignId: `race-${round}`, time: at(2) });
      rounds.push(
        await Promise.all(Array.from({ length: 8 }, () => addActivity(db(), 'user:race', input))),
      );
    }
    const stored = await sql<{ id: string }>`
      SELECT data ->> 'id' AS id FROM events WHERE stream_id = 'feed:user:race'`.execute(db());
    const storedIds = new Set(stored.rows.map((row) => row.id));

    expect(storedIds.size).toBe(ROUNDS);
    const wrong = rounds.flatMap((results) =>
      results.filter((r) => !storedIds.has(r.activity.id)).map((r) => r.activity.id),
    );
    expect(wrong, 'ids returned to callers that were never stored').toEqual([]);
    expect(rounds.map((results) => results.filter((r) => r.created).length)).toEqual(
      Array.from({ length: ROUNDS }, () => 1),
    );
  });

  it('given the same foreignId at a different time, when added, then it is a different activity', async () => {
    const first = await addActivity(
      db(),
      'user:idem2',
      post('i', 'p', { foreignId: 'f', time: at(1) }),
    );
    const other = await addActivity(
      db(),
      'user:idem2',
      post('i', 'p', { foreignId: 'f', time: at(2) }),
    );

    expect(other.created).toBe(true);
    expect(other.activity.id).not.toBe(first.activity.id);
  });

  it('given a batch, when added, then results come back in input order', async () => {
    const inputs = [3, 1, 2].map((minute) =>
      post('batch', `p:${minute}`, { time: at(minute), foreignId: `b-${minute}` }),
    );
    const results = await addActivities(db(), 'user:batch', inputs);

    expect(results.map((r) => r.activity.object)).toEqual(['p:3', 'p:1', 'p:2']);
    expect(results.map((r) => r.activity.time)).toEqual([at(3), at(1), at(2)]);
    expect(results.every((r) => r.created)).toBe(true);
  });

  it('given a batch repeating one (foreignId, time), when added, then both items name one activity written once', async () => {
    const item = post('dup', 'p:1', { foreignId: 'dup-1', time: at(5) });
    const results = await addActivities(db(), 'user:dupbatch', [
      item,
      post('dup', 'p:2'),
      { ...item, object: 'p:again' },
    ]);

    expect(results).toHaveLength(3);
    expect(results[2]?.activity.id).toBe(results[0]?.activity.id);
    expect(results[2]?.activity.object).toBe('p:1');
    expect(await countEvents(sql`data ->> 'foreignId' = 'dup-1'`)).toBe(1);
    expect(await countEvents(sql`stream_id LIKE '%user:dupbatch%'`)).toBe(2);
  });

  it('given a batch containing an activity added before, when added, then that item returns the original', async () => {
    const earlier = await addActivity(
      db(),
      'user:mixed',
      post('m', 'p:1', { foreignId: 'm-1', time: at(7) }),
    );
    const results = await addActivities(db(), 'user:mixed', [
      post('m', 'p:new'),
      post('m', 'p:1', { foreignId: 'm-1', time: at(7) }),
    ]);

    expect(results[1]).toEqual({ ...earlier, created: false });
    expect(results[0]?.created).toBe(true);
    expect(await countEvents(sql`data ->> 'foreignId' = 'm-1'`)).toBe(1);
  });

  it('given 101 activities, when added as a batch, then it is VALIDATION_FAILED and nothing is written', async () => {
    const before = await countEvents();
    const inputs = Array.from({ length: 101 }, (_, i) => post('big', `p:${i}`));

    await rejection(() => addActivities(db(), 'user:big', inputs), 'VALIDATION_FAILED');
    expect(await countEvents()).toBe(before);
  });

  const badInputs: { name: string; feed: string; input: unknown; field: RegExp }[] = [
    {
      name: 'a missing actor',
      feed: 'user:bad',
      input: { verb: 'post', object: 'p' },
      field: /actor/,
    },
    { name: 'a bad feed id', feed: 'user:no spaces!', input: post('bad', 'p'), field: /feed/ },
    {
      name: '`to` with 101 feeds',
      feed: 'user:bad',
      input: post('bad', 'p', { to: Array.from({ length: 101 }, (_, i) => `notification:n${i}`) }),
      field: /\bto\b/,
    },
    {
      name: 'a bad feed in `to`',
      feed: 'user:bad',
      input: post('bad', 'p', { to: ['notification:ok', 'nope'] }),
      field: /to\[1\]/,
    },
    {
      name: 'extra over 16 KiB',
      feed: 'user:bad',
      input: post('bad', 'p', { extra: { blob: 'x'.repeat(16_384) } }),
      field: /extra/,
    },
  ];
  for (const { name, feed, input, field } of badInputs) {
    it(`given ${name}, when added, then it is VALIDATION_FAILED naming the field and nothing is written`, async () => {
      const before = await countEvents();

      const error = await rejection(() => addActivity(db(), feed, input), 'VALIDATION_FAILED');
      expect(error.message).toMatch(field);
      expect(await countEvents()).toBe(before);
    });
  }
});

describe('updating activities', () => {
  it('given an activity, when updated with dotted set paths and unset, then extra reflects both everywhere', async () => {
    const added = await addActivity(
      db(),
      'user:upd',
      post('upd', 'p:1', { extra: { stats: { likes: 1, views: 9 }, draft: true, tag: 'a' } }),
    );
    const updated = await updateActivity(db(), added.activity.id, {
      set: { 'stats.likes': 2, 'meta.lang': 'en' },
      unset: ['draft'],
    });
    const expected = { stats: { likes: 2, views: 9 }, tag: 'a', meta: { lang: 'en' } };

    expect(updated.activity.extra).toEqual(expected);
    await h.quiesce();
    const page = await h.reader.readFeed('user:upd');
    expect(page.results.map((a) => a.extra)).toEqual([expected]);
  });

  it('given concurrent updates of different paths, when they all return, then every set survives', async () => {
    const added = await addActivity(db(), 'user:occ', post('occ', 'p:1'));
    const paths = Array.from({ length: 8 }, (_, i) => `k${i}`);

    await Promise.all(
      paths.map((path, i) => updateActivity(db(), added.activity.id, { set: { [path]: i } })),
    );
    const last = await updateActivity(db(), added.activity.id, { set: { done: true } });

    expect(last.activity.extra).toEqual({
      ...Object.fromEntries(paths.map((path, i) => [path, i])),
      done: true,
    });
    await h.quiesce();
    const page = await h.reader.readFeed('user:occ');
    expect(page.results[0]?.extra).toEqual(last.activity.extra);
  });

  for (const writers of [20, 50]) {
    it(`given ${writers} concurrent updates of one activity while its feed takes new posts, when they all return, then none failed and every set survives`, async () => {
      const feed = `user:busy${writers}`;
      const added = await addActivity(db(), feed, post(`busy${writers}`, 'p:1'));
      const paths = Array.from({ length: writers }, (_, i) => `k${i}.n`);

      const updates = paths.map((path, i) =>
        updateActivity(db(), added.activity.id, { set: { [path]: i } }),
      );
      // Appends to the same stream move its version too.
      const posts = Array.from({ length: 5 }, (_, i) =>
        addActivity(db(), feed, post(`busy${writers}`, `p:more${i}`)),
      );
      const outcomes = await Promise.allSettled([...updates, ...posts]);

      expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
      const expected = Object.fromEntries(paths.map((_, i) => [`k${i}`, { n: i }]));
      const [last] = (await Promise.all(updates)).sort((a, b) =>
        comparePositions(b.position, a.position),
      );
      expect(last?.activity.extra).toEqual(expected);
      await h.quiesce();
      const page = await h.reader.readFeed(feed, { limit: 10 });
      expect(page.results.find((a) => a.id === added.activity.id)?.extra).toEqual(expected);
    });
  }

  it('given an unknown activity id, when updated, then it is NOT_FOUND', async () => {
    await rejection(() => updateActivity(db(), unknownId(), { set: { a: 1 } }), 'NOT_FOUND');
  });

  it('given a removed activity, when updated, then it is NOT_FOUND and nothing is written', async () => {
    const added = await addActivity(db(), 'user:gone', post('gone', 'p:1'));
    await removeActivity(db(), 'user:gone', { id: added.activity.id });
    const before = await countEvents();

    await rejection(() => updateActivity(db(), added.activity.id, { set: { a: 1 } }), 'NOT_FOUND');
    expect(await countEvents()).toBe(before);
  });
});

describe('removing activities', () => {
  it('given an activity, when removed by id, then it leaves its feed', async () => {
    const keep = await addActivity(db(), 'user:rm', post('rm', 'p:keep', { time: at(1) }));
    const gone = await addActivity(db(), 'user:rm', post('rm', 'p:gone', { time: at(2) }));

    const result = await removeActivity(db(), 'user:rm', { id: gone.activity.id });

    expect(result.removed).toEqual([gone.activity.id]);
    await h.quiesce();
    expect(await h.readAllIds('user:rm')).toEqual([keep.activity.id]);
  });

  it('given an activity with a foreignId, when removed by foreignId, then it leaves its feed', async () => {
    const gone = await addActivity(
      db(),
      'user:rmf',
      post('rmf', 'p:1', { foreignId: 'rmf-1', time: at(1) }),
    );

    const result = await removeActivity(db(), 'user:rmf', { foreignId: 'rmf-1' });

    expect(result.removed).toEqual([gone.activity.id]);
    await h.quiesce();
    expect(await h.readAllIds('user:rmf')).toEqual([]);
  });

  it('given a removed activity, when removed again, then the first removal’s position returns and one removal is written', async () => {
    const added = await addActivity(db(), 'user:rm2', post('rm2', 'p:1', { foreignId: 'rm2-1' }));
    const first = await removeActivity(db(), 'user:rm2', { id: added.activity.id });

    const byId = await removeActivity(db(), 'user:rm2', { id: added.activity.id });
    const byForeignId = await removeActivity(db(), 'user:rm2', { foreignId: 'rm2-1' });

    expect(byId).toEqual({ removed: [], position: first.position });
    expect(byForeignId).toEqual({ removed: [], position: first.position });
    expect(
      await countEvents(sql`type = 'ActivityRemoved' AND data ->> 'id' = ${added.activity.id}`),
    ).toBe(1);
  });

  it('given an unknown id or foreignId, when removed, then it is NOT_FOUND', async () => {
    await rejection(() => removeActivity(db(), 'user:rm', { id: unknownId() }), 'NOT_FOUND');
    await rejection(() => removeActivity(db(), 'user:rm', { foreignId: 'never' }), 'NOT_FOUND');
  });

  it('given an activity of another feed, when removed from this feed by id, then it is NOT_FOUND', async () => {
    const other = await addActivity(db(), 'user:owner', post('owner', 'p:1'));

    await rejection(
      () => removeActivity(db(), 'user:thief', { id: other.activity.id }),
      'NOT_FOUND',
    );
  });

  it('given 30 activities of one feed, when all are removed concurrently while it is updated, then none failed and the feed is empty', async () => {
    const feed = 'user:purge';
    const added = await addActivities(
      db(),
      feed,
      Array.from({ length: 30 }, (_, i) => post('purge', `p:${i}`)),
    );
    const ids = added.map((a) => a.activity.id);
    const [first] = ids;

    const outcomes = await Promise.allSettled([
      ...ids.map((id) => removeActivity(db(), feed, { id })),
      ...Array.from({ length: 10 }, (_, i) =>
        first === undefined ? undefined : updateActivity(db(), first, { set: { [`k${i}`]: i } }),
      ),
    ]);

    const failures = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [(outcome.reason as TidelineError).code] : [],
    );
    // An update that comes after the first activity's removal finds it gone.
    expect(failures.filter((code) => code !== 'NOT_FOUND')).toEqual([]);
    await h.quiesce();
    expect((await h.reader.readFeed(feed)).results).toEqual([]);
  });
});

describe('following', () => {
  it('given a follow, when followed again, then it is a no-op returning the first position', async () => {
    const first = await follow(db(), { source: 'timeline:twice', target: 'user:twice' });
    const again = await follow(db(), {
      source: 'timeline:twice',
      target: 'user:twice',
      copyLimit: 5,
    });

    expect(first.changed).toBe(true);
    expect(again).toEqual({ position: first.position, changed: false });
    expect(
      await countEvents(sql`type = 'FeedFollowed' AND data ->> 'source' = 'timeline:twice'`),
    ).toBe(1);
  });

  it('given a feed, when it follows itself, then it is VALIDATION_FAILED naming target', async () => {
    const error = await rejection(
      () => follow(db(), { source: 'user:me', target: 'user:me' }),
      'VALIDATION_FAILED',
    );
    expect(error.message).toMatch(/target/);
  });

  it('given an edge that never existed, when unfollowed, then it is NOT_FOUND', async () => {
    await rejection(
      () => unfollow(db(), { source: 'timeline:never', target: 'user:never' }),
      'NOT_FOUND',
    );
  });

  it('given an unfollowed edge, when unfollowed again, then it is a no-op returning the unfollow’s position', async () => {
    await follow(db(), { source: 'timeline:un2', target: 'user:un2' });
    const first = await unfollow(db(), { source: 'timeline:un2', target: 'user:un2' });

    const again = await unfollow(db(), { source: 'timeline:un2', target: 'user:un2' });

    expect(again).toEqual({ position: first.position, changed: false });
  });

  it('given copyLimit above 1000, when following, then it is VALIDATION_FAILED naming copyLimit', async () => {
    const error = await rejection(
      () => follow(db(), { source: 'timeline:cl', target: 'user:cl', copyLimit: 1001 }),
      'VALIDATION_FAILED',
    );
    expect(error.message).toMatch(/copyLimit/);
  });

  it('given 1,000 follows in one followMany, then the follower counts are exact', async () => {
    const follows = Array.from({ length: 1000 }, (_, i) => ({
      source: `timeline:fm${i}`,
      target: i % 4 === 0 ? 'user:fm-quarter' : 'user:fm-rest',
    }));

    const { results } = await followMany(db(), follows);
    await h.quiesce();

    expect(results.filter((r) => r.changed)).toHaveLength(1000);
    const counts = await sql<{ feed: string; followers: number; following: number }>`
      SELECT feed, followers, following FROM follower_counts
      WHERE feed IN ('user:fm-quarter', 'user:fm-rest', 'timeline:fm0', 'timeline:fm999')
      ORDER BY feed`.execute(db());
    expect(counts.rows).toEqual([
      { feed: 'timeline:fm0', followers: 0, following: 1 },
      { feed: 'timeline:fm999', followers: 0, following: 1 },
      { feed: 'user:fm-quarter', followers: 250, following: 0 },
      { feed: 'user:fm-rest', followers: 750, following: 0 },
    ]);
  });

  it('given some edges exist, when followMany repeats them with new ones concurrently with unfollows, then the counts stay exact', async () => {
    const edge = (i: number) => ({ source: `timeline:fx${i}`, target: 'user:fx' });
    await followMany(
      db(),
      Array.from({ length: 100 }, (_, i) => edge(i)),
    );

    await Promise.all([
      followMany(
        db(),
        Array.from({ length: 200 }, (_, i) => edge(i)),
      ),
      ...Array.from({ length: 20 }, (_, i) => unfollow(db(), edge(i))),
    ]);
    await h.quiesce();

    const edges = await sql<{ n: string }>`
      SELECT count(*) AS n FROM follows WHERE target = 'user:fx'`.execute(db());
    const counts = await sql<{ followers: number }>`
      SELECT followers FROM follower_counts WHERE feed = 'user:fx'`.execute(db());
    // Each unfollow may land before or after the repeat, so the edge count varies; the
    // counter must match it whichever way the race went.
    expect(counts.rows[0]?.followers).toBe(Number(edges.rows[0]?.n));
    expect(counts.rows[0]?.followers).toBeGreaterThanOrEqual(180);
  });

  it('given 1,001 follows, when followed at once, then it is VALIDATION_FAILED and nothing is written', async () => {
    const before = await countEvents();
    const follows = Array.from({ length: 1001 }, (_, i) => ({
      source: `timeline:over${i}`,
      target: 'user:over',
    }));

    await rejection(() => followMany(db(), follows), 'VALIDATION_FAILED');
    expect(await countEvents()).toBe(before);
  });
});
