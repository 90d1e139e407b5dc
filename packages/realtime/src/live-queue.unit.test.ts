import { describe, expect, it } from 'vitest';
import { createLiveQueue } from './live-queue.js';

describe('a live queue', () => {
  it('hands items out in arrival order', () => {
    const queue = createLiveQueue<number>(10);
    for (const n of [1, 2, 3]) queue.push(n);
    expect([queue.take(), queue.take(), queue.take(), queue.take()]).toEqual([1, 2, 3, undefined]);
  });

  it('stops growing and says so once it holds its maximum', () => {
    const queue = createLiveQueue<number>(2);
    for (const n of [1, 2, 3, 4]) queue.push(n);
    expect(queue.overflowed).toBe(true);
    expect(queue.size).toBe(2);
  });

  it('keeps its order across the compaction of taken items', () => {
    const queue = createLiveQueue<number>(5000);
    const out: number[] = [];
    for (let n = 0; n < 3000; n += 1) {
      queue.push(n);
      if (n % 3 !== 0) out.push(queue.take() ?? -1);
    }
    while (queue.size > 0) out.push(queue.take() ?? -1);
    expect(out).toEqual(Array.from({ length: 3000 }, (_, n) => n));
  });

  it('wakes a waiting taker on a new item, on notify and on abort', async () => {
    const queue = createLiveQueue<string>(10);
    const item = queue.next();
    queue.push('a');
    await item;
    expect(queue.take()).toBe('a');

    const nudged = queue.next();
    queue.notify();
    await nudged;

    const controller = new AbortController();
    const aborted = queue.next(controller.signal);
    controller.abort();
    await aborted;
    expect(queue.size).toBe(0);
  });
});
