import { waitFor } from '@tideline/event-store/testing';
import { startRedisServer, type TestRedisServer } from '@tideline/fanout/testing';
import { feedChannel } from '@tideline/feeds';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFeedBus, type FeedBus } from './feed-bus.js';

const prefix = 'bus-test:';
let redisServer: TestRedisServer;
let publisher: Redis;
const buses: FeedBus[] = [];

beforeAll(async () => {
  redisServer = await startRedisServer();
  publisher = new Redis(redisServer.url, { maxRetriesPerRequest: null });
});
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
});
afterAll(async () => {
  publisher.disconnect();
  await redisServer.stop();
});

function newBus(): FeedBus {
  const subscriber = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  subscriber.on('error', () => {});
  const bus = createFeedBus(subscriber, prefix);
  buses.push(bus);
  return bus;
}

const subscriptions = async (feed: string) => {
  const [, count] = (await publisher.pubsub('NUMSUB', feedChannel(prefix, feed))) as [
    string,
    number,
  ];
  return Number(count);
};
const publish = (feed: string, message: string) =>
  publisher.publish(feedChannel(prefix, feed), message);

describe('feed bus', () => {
  it('shares one Redis subscription among a feed’s local listeners, and drops it with the last', async () => {
    const bus = newBus();
    const got: string[] = [];
    const stopA = await bus.subscribe('timeline:ana', (feed, m) => got.push(`a:${feed}:${m}`));
    const stopB = await bus.subscribe('timeline:ana', (_feed, m) => got.push(`b:${m}`));
    const stopC = await bus.subscribe('timeline:bob', (_feed, m) => got.push(`c:${m}`));
    expect(await subscriptions('timeline:ana')).toBe(1);
    expect(bus.stats()).toEqual({ listeners: 3, channels: 2 });

    // Subscribing resolves only once Redis confirmed it: nothing published after is lost.
    await publish('timeline:ana', '1');
    await publish('timeline:bob', '2');
    await waitFor(async () => got.length === 3, { message: 'three deliveries' });
    expect(got.sort()).toEqual(['a:timeline:ana:1', 'b:1', 'c:2']);

    await stopA();
    expect(await subscriptions('timeline:ana')).toBe(1);
    await stopB();
    await stopC();
    expect([await subscriptions('timeline:ana'), await subscriptions('timeline:bob')]).toEqual([
      0, 0,
    ]);
    expect(bus.stats()).toEqual({ listeners: 0, channels: 0 });
  });

  it('keeps Redis in step with its listeners under subscribe/unsubscribe churn', async () => {
    const bus = newBus();
    const feeds = ['user:a', 'user:b', 'user:c', 'user:d'];
    // 40 listeners subscribe at once, ten per feed; the odd ones (all of user:b and
    // user:d) stop as soon as they are subscribed, so SUBSCRIBE and UNSUBSCRIBE race.
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const feed = feeds[i % feeds.length] ?? 'user:a';
        return bus.subscribe(feed, () => {}).then((stop) => (i % 2 === 1 ? stop() : undefined));
      }),
    );
    expect(bus.stats()).toEqual({ listeners: 20, channels: 2 });
    expect(await Promise.all(feeds.map(subscriptions))).toEqual([1, 0, 1, 0]);
  });

  it('resubscribes after Redis comes back and tells listeners to catch up', async () => {
    const bus = newBus();
    const got: string[] = [];
    let catchUps = 0;
    bus.onResubscribed(() => {
      catchUps += 1;
    });
    await bus.subscribe('notification:ana', (_feed, m) => got.push(m));

    await redisServer.stop();
    redisServer = await startRedisServer({ port: redisServer.port });
    await waitFor(async () => catchUps === 1, { timeoutMs: 15_000, message: 'the resubscribe' });
    await waitFor(async () => publisher.status === 'ready', { message: 'the publisher' });
    await publish('notification:ana', 'after');
    await waitFor(async () => got.includes('after'), { message: 'a message after the restart' });
  });

  it('drops what arrives after a loss until listeners are told to catch up', async () => {
    const subscriber = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    subscriber.on('error', () => {});
    // Hold the PING that confirms the resubscription, so a message can come in between.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ping = subscriber.ping.bind(subscriber);
    Object.assign(subscriber, { ping: async () => held.then(() => ping()) });
    const bus = createFeedBus(subscriber, prefix);
    buses.push(bus);
    const got: string[] = [];
    const told: number[] = [];
    bus.onResubscribed(() => told.push(got.length));
    await bus.subscribe('user:kim', (_feed, m) => got.push(m));

    await publisher.client('KILL', 'TYPE', 'pubsub');
    await waitFor(async () => (await subscriptions('user:kim')) === 1, {
      timeoutMs: 15_000,
      message: 'the channel subscribed again',
    });
    // Delivered to the new connection before the PING's reply: after the gap, and before
    // the listeners know of it.
    expect(await publish('user:kim', 'before-told')).toBe(1);
    release();
    await waitFor(async () => told.length === 1, { message: 'the catch-up call' });
    await publish('user:kim', 'after-told');
    await waitFor(async () => got.includes('after-told'), { message: 'a message after the call' });
    expect(got).toEqual(['after-told']);
    expect(told).toEqual([0]);
  });
});
