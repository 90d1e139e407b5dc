/**
 * One subscriber's messages that arrived but were not yet sent, at most `max` of them.
 * Redis delivers into it whatever the subscriber's pace; past `max` it is marked
 * overflowed (and stops growing), and the subscriber is cut off: a slow consumer costs a
 * bounded amount of memory and never holds up the shared subscriber connection.
 */
export function createLiveQueue<T>(max: number) {
  const items: T[] = [];
  let head = 0;
  let overflowed = false;
  let wake: (() => void) | undefined;

  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };

  return {
    push(item: T): void {
      if (overflowed) return;
      if (items.length - head >= max) {
        overflowed = true;
      } else {
        items.push(item);
      }
      notify();
    },
    take(): T | undefined {
      if (head >= items.length) return undefined;
      const item = items[head];
      head += 1;
      // Compact now and then rather than shift() on every take.
      if (head > 1024 && head * 2 > items.length) {
        items.splice(0, head);
        head = 0;
      }
      return item;
    },
    get size(): number {
      return items.length - head;
    },
    get overflowed(): boolean {
      return overflowed;
    },
    /** Wakes a pending `next()` without an item, e.g. to catch up after a reconnect. */
    notify,
    /** Resolves when an item arrives, `notify` is called or `signal` aborts. */
    next(signal?: AbortSignal): Promise<void> {
      if (head < items.length || overflowed || signal?.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        signal?.addEventListener('abort', onAbort, { once: true });
        wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
      });
    },
  };
}

export type LiveQueue<T> = ReturnType<typeof createLiveQueue<T>>;
