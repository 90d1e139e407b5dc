import { waitFor } from '@tideline/event-store/testing';
import { testRedisUrl } from '@tideline/fanout/testing';
import {
  addActivity,
  type FeedMessage,
  feedChannel,
  follow,
  removeActivity,
  unfollow,
} from '@tideline/feeds';
import { createFeedHarness, type FeedHarness } from '@tideline/feeds/testing';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedBus, type FeedBus } from './feed-bus.js';
import { createFeedWatcher, type FeedWatcher, type WatchMessage } from './feed-watcher.js';

/**
 * docs/product.md §4, as a property: whatever the interleaving of writes, disconnects and
 * reconnects, each client ends up with every message of its feed exactly once, in order.
 * The reference is a raw pattern subscription that saw every message the projector
 * published.
 */
let h: FeedHarness;
let bus: FeedBus;
let watcher: FeedWatcher;
let reference: Redis;
const published: FeedMessage[] = [];

beforeAll(async () => {
  h = await createFeedHarness('watch_property');
  reference = new Redis(testRedisUrl);
  await reference.psubscribe(`${feedChannel(h.config.redisPrefix, '')}*`);
  reference.on('pmessage', (_p: string, _c: string, text: string) => {
    published.push(JSON.parse(text) as FeedMessage);
  });
  h.start();
  bus = createFeedBus(
    new Redis(testRedisUrl, { maxRetriesPerRequest: null }),
    h.config.redisPrefix,
  );
  // Small enough that a burst overflows it now and then: overflow is one more disconnect.
  watcher = createFeedWatcher({ bus, db: h.testDb.db, config: h.config, bufferMax: 8 });
});
afterAll(async () => {
  reference.disconnect();
  await bus.close();
  await h.destroy();
});

type Op =
  | { kind: 'post'; author: number; mention: boolean }
  | { kind: 'remove'; pick: number }
  | { kind: 'toggle'; client: number }
  | { kind: 'follow'; author: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('post' as const),
      author: fc.nat(2),
      mention: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('toggle' as const), client: fc.nat(2) }) },
  // The timeline follows or unfollows an author: its watch must add or drop the channel.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('follow' as const), author: fc.nat(2) }) },
);

/** A client that keeps its last id across connections, as the tRPC links do. */
function client(feed: string) {
  const received: WatchMessage[] = [];
  let lastId: string | undefined;
  let firstId: string | undefined;
  let current: { controller: AbortController; done: Promise<void> } | undefined;
  return {
    feed,
    received,
    get firstId() {
      return firstId;
    },
    get connected() {
      return current !== undefined;
    },
    connect() {
      const controller = new AbortController();
      const run = async () => {
        for await (const m of watcher.watch(feed, {
          lastEventId: lastId,
          signal: controller.signal,
        })) {
          firstId ??= m.id;
          lastId = m.id;
          if (m.type !== 'feed.watching') received.push(m);
        }
      };
      // Cut off for being slow: reconnect from the last id at once, as the client links do.
      const done = run().catch(() => {
        if (current?.controller === controller) this.connect();
      });
      current = { controller, done };
    },
    async disconnect() {
      const open = current;
      current = undefined;
      open?.controller.abort();
      await open?.done;
    },
  };
}

let run = 0;

describe('watch resume, as a property', () => {
  it('gives every client every message of its feed exactly once, in order, across random disconnects', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArbitrary, { minLength: 10, maxLength: 40 }), async (ops) => {
        run += 1;
        const authors = [0, 1, 2].map((i) => `user:r${run}a${i}`);
        const timeline = `timeline:r${run}`;
        const bell = `notification:r${run}`;
        const following = new Set([authors[0] ?? '', authors[1] ?? '']);
        for (const target of following) await follow(h.testDb.db, { source: timeline, target });
        await h.quiesce();
        const clients = [client(authors[0] ?? ''), client(timeline), client(bell)];
        for (const c of clients) c.connect();
        await waitFor(() => clients.every((c) => c.firstId !== undefined), {
          message: 'every client to start',
        });
        const posted: { feed: string; id: string }[] = [];
        for (const op of ops) {
          if (op.kind === 'post') {
            const feed = authors[op.author] ?? '';
            const { activity } = await addActivity(h.testDb.db, feed, {
              actor: feed.slice(5),
              verb: 'post',
              object: `o${posted.length}`,
              ...(op.mention ? { to: [bell] } : {}),
            });
            posted.push({ feed, id: activity.id });
          } else if (op.kind === 'remove' && posted.length > 0) {
            const target = posted[op.pick % posted.length];
            if (target) await removeActivity(h.testDb.db, target.feed, { id: target.id });
          } else if (op.kind === 'follow') {
            const target = authors[op.author] ?? '';
            const edge = { source: timeline, target };
            if (following.delete(target)) await unfollow(h.testDb.db, edge);
            else {
              following.add(target);
              await follow(h.testDb.db, edge);
            }
          } else if (op.kind === 'toggle') {
            const c = clients[op.client];
            if (c?.connected) await c.disconnect();
            else c?.connect();
          }
        }
        for (const c of clients) if (!c.connected) c.connect();
        await h.quiesce();

        /** The reference: what a client connected all along would have been sent. */
        const expected = (c: (typeof clients)[number]) => {
          // The timeline's followed feeds at each position, replayed from its own messages.
          const active = new Set([authors[0], authors[1]]);
          const seen = new Set<string>();
          const wanted: string[] = [];
          for (const m of [...published].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
            const own = m.feed === c.feed;
            const viaFollow =
              c.feed === timeline && active.has(m.feed) && m.type.startsWith('activity.');
            if (own && m.type === 'feed.followed') active.add(m.target);
            if (own && m.type === 'feed.unfollowed') active.delete(m.target);
            if (!(own || viaFollow) || m.id <= (c.firstId ?? '') || seen.has(m.id)) continue;
            seen.add(m.id);
            wanted.push(`${m.type}@${m.id}`);
          }
          return wanted;
        };
        try {
          for (const c of clients) {
            const got = () => c.received.map((m) => `${m.type}@${m.id}`);
            // The reference subscriber may still be receiving, as may the client: wait for
            // both to settle on the same list (or the deadline), then compare.
            await waitFor(() => c.connected && got().join() === expected(c).join(), {
              message: `${c.feed} to receive what the reference saw`,
            }).catch(() => undefined);
            expect(got()).toEqual(expected(c));
          }
        } finally {
          for (const c of clients) await c.disconnect();
        }
      }),
      { seed: 20251125, numRuns: 25, endOnFailure: true },
    );
  }, 120_000);
});
