import { waitFor } from '@tideline/event-store/testing';
import { feedKeys } from '@tideline/fanout';
import { addActivity, follow } from '@tideline/feeds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedWatcher } from './feed-watcher.js';

import { type PrivateStack, startPrivateStack } from './testing/private-stack.js';

// Keyevent notifications are server-wide: a private redis-server keeps other files' keys out.
let stack: PrivateStack;
beforeAll(async () => {
  stack = await startPrivateStack('keep_warm');
});
afterAll(() => stack?.destroy());

describe('watched feeds stay warm', () => {
  it('rebuilds a watched timeline whose live marker expired, and leaves unwatched ones cold', async () => {
    const { h, bus } = stack;
    const db = h.testDb.db;
    for (const reader of ['timeline:kim', 'timeline:zed']) {
      await follow(db, { source: reader, target: 'user:lee' });
    }
    await addActivity(db, 'user:lee', { actor: 'lee', verb: 'post', object: 'p1' });
    await h.quiesce();
    // Reading them makes them live (regenerated into Redis).
    expect(await h.readAllIds('timeline:kim')).toHaveLength(1);
    expect(await h.readAllIds('timeline:zed')).toHaveLength(1);

    const rebuilt: string[] = [];
    const watcher = createFeedWatcher({
      bus,
      db,
      config: h.config,
      bufferMax: 10,
      redis: h.redis,
      onRegenerated: (feed) => rebuilt.push(feed),
    });
    const controller = new AbortController();
    const watch = watcher.watch('timeline:kim', { signal: controller.signal });
    await watch.next();

    const kim = feedKeys(h.config.redisPrefix, 'timeline:kim');
    const zed = feedKeys(h.config.redisPrefix, 'timeline:zed');
    await h.redis.pexpire(zed.live, 5);
    await h.redis.pexpire(kim.live, 5);
    await waitFor(() => rebuilt.includes('timeline:kim'), { message: 'the rebuild' });

    expect(await h.redis.ttl(kim.live)).toBeGreaterThan(3600);
    expect(await h.redis.zcard(kim.tl)).toBe(1);
    expect(await h.redis.exists(zed.live)).toBe(0);
    expect(rebuilt).toEqual(['timeline:kim']);
    controller.abort();
    await watch.return(undefined);
  });
});
