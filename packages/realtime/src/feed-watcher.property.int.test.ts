import { waitFor } from '@tideline/event-store/testing';
import {
  addActivity,
  type FeedMessage,
  feedChannel,
  follow,
  removeActivity,
} from '@tideline/fanout';
import { createFeedHarness, type FeedHarness, testRedisUrl } from '@tideline/fanout/testing';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedBus, type FeedBus } from './feed-bus.js';
import { createFeedWatcher, type FeedWatcher, type WatchMessage } from './feed-watcher.js';

/**
 * SPEC §4, as a property: whatever the interleaving of writes, disconnects and
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
  | { kind: 'toggle'; client: number };

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
      // Cut off for being slow: reconnect from the last id, as the client links do.
      const done = run().catch(() => {
        if (current?.controller === controller) current = undefined;
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
        await follow(h.testDb.db, { source: timeline, target: authors[0] ?? '' });
        await follow(h.testDb.db, { source: timeline, target: authors[1] ?? '' });
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
          } else if (op.kind === 'toggle') {
            const c = clients[op.client];
            if (c?.connected) await c.disconnect();
            else c?.connect();
          }
        }
        for (const c of clients) if (!c.connected) c.connect();
        await h.quiesce();

        const expected = (c: (typeof clients)[number]) => {
          const sources = c.feed === timeline ? [timeline, authors[0], authors[1]] : [c.feed];
          const seen = new Set<string>();
          return published
            .filter((m) => sources.includes(m.feed) && m.id > (c.firstId ?? ''))
            .filter((m) => m.feed === c.feed || m.type.startsWith('activity.'))
            .filter((m) => !seen.has(m.id) && seen.add(m.id))
            .map((m) => `${m.type}@${m.id}`);
        };
        try {
          for (const c of clients) {
            const want = expected(c);
            await waitFor(() => c.received.length >= want.length && c.connected, {
              message: `${c.feed} to receive ${want.length} messages`,
            }).catch(() => undefined);
            expect(c.received.map((m) => `${m.type}@${m.id}`)).toEqual(want);
          }
        } finally {
          for (const c of clients) await c.disconnect();
        }
      }),
      { seed: 20251125, numRuns: 12, endOnFailure: true },
    );
  }, 120_000);
});
