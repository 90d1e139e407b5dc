import { startRedisServer, type TestRedisServer } from '@tideline/fanout/testing';
import { createFeedHarness, type FeedHarness } from '@tideline/feeds/testing';
import { Redis } from 'ioredis';
import { createFeedBus, type FeedBus } from '../feed-bus.js';

export interface PrivateStack {
  /** Replaced when `startRedisAgain` starts it on the same port. */
  redisServer: TestRedisServer;
  h: FeedHarness;
  bus: FeedBus;
  stopRedis(): Promise<void>;
  startRedisAgain(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * A feed stack (own database and key prefix, projector running) on a private
 * redis-server, with a feed bus: for tests that stop Redis or need server-wide keyevent
 * notifications to themselves.
 */
export async function startPrivateStack(label: string): Promise<PrivateStack> {
  const redisServer = await startRedisServer();
  const h = await createFeedHarness(label, {}, { redisUrl: redisServer.url });
  h.start();
  const subscriber = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  subscriber.on('error', () => {});
  const stack: PrivateStack = {
    redisServer,
    h,
    bus: createFeedBus(subscriber, h.config.redisPrefix),
    stopRedis: () => stack.redisServer.stop(),
    async startRedisAgain() {
      stack.redisServer = await startRedisServer({ port: stack.redisServer.port });
    },
    async destroy() {
      await stack.bus.close();
      await h.destroy();
      await stack.redisServer.stop();
    },
  };
  return stack;
}
