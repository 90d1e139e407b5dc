import { readAll, readHead, START, type StoredEvent } from '@tideline/event-store';
import pg from 'pg';
import { connectDatabase } from '../connections.js';
import type { Target } from '../env.js';
import type { Output } from '../output.js';

export interface TailOptions {
  from: 'start' | 'end';
  /** Stop after printing this many events (for scripts and tests); default: run until stopped. */
  count?: number;
  json?: boolean;
  /** Aborting ends the tail cleanly (SIGINT / SIGTERM in the CLI). */
  signal?: AbortSignal;
  /** Called once the starting position is fixed and LISTEN is on (tests wait for it). */
  onReady?: () => void;
}

/**
 * Prints events as they are appended, in the log's global order, following it with
 * `readAll` (gap-safe) and waking on the store's LISTEN/NOTIFY channel, with a 1 s poll as
 * a safety net (and to pick up events a long transaction held back).
 *
 * @example
 * await tailEvents(target, { from: 'end', count: 1 }, output);
 */
export async function tailEvents(target: Target, options: TailOptions, output: Output) {
  const db = connectDatabase(target.databaseUrl);
  const listener = new pg.Client({ connectionString: target.databaseUrl });
  listener.on('error', () => {});
  let wake: (() => void) | undefined;
  listener.on('notification', () => wake?.());
  const onAbort = () => wake?.();
  options.signal?.addEventListener('abort', onAbort);
  let printed = 0;
  try {
    await listener.connect();
    await listener.query('LISTEN tideline_events');
    // `--from end`: the newest event `readAll` would return now. While an older transaction
    // is open (xids are cluster-wide) that sits behind the newest row, so a few earlier
    // events may print, but none is missed.
    let after = options.from === 'start' ? START : await readHead(db, { fenced: true });
    options.onReady?.();
    while (!options.signal?.aborted) {
      const page = await readAll(db, { after, limit: 500 });
      for (const event of page.events) {
        output.line(options.json ? JSON.stringify(event) : formatEvent(event));
        printed += 1;
        if (options.count !== undefined && printed >= options.count) return { printed };
      }
      after = page.next;
      if (page.events.length > 0) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
    return { printed };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await listener.end().catch(() => {});
    await db.destroy().catch(() => {});
  }
}

/** `<position> <type> <stream>@<version> <data>`: one event per line. */
export function formatEvent(event: StoredEvent): string {
  return `${event.position} ${event.type} ${event.streamId}@${event.streamVersion} ${JSON.stringify(event.data)}`;
}
