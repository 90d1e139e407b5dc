import { Writable } from 'node:stream';
import { createTestDatabase, type TestDatabase, waitFor } from '@tideline/event-store/testing';
import { defaultFeedsConfig, feedMigrations } from '@tideline/feeds';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshViewsPeriodically } from './refresh-views.js';

let testDb: TestDatabase<unknown>;
beforeAll(async () => {
  testDb = await createTestDatabase('worker_views', { migrations: feedMigrations });
});
afterAll(() => testDb.destroy());

/** A logger whose JSON lines land in `lines`. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const refreshedAt = async () => {
  const result = await sql<{ refreshed_at: Date | null }>`
    SELECT refreshed_at FROM author_recent_entries_refresh`.execute(testDb.db);
  return result.rows[0]?.refreshed_at ?? null;
};

describe('refreshing the materialized view from the worker', () => {
  it('given an interval of 0, then it never refreshes and returns at once', async () => {
    const { logger, lines } = capturingLogger();
    await refreshViewsPeriodically({
      db: testDb.db,
      config: defaultFeedsConfig,
      intervalSeconds: 0,
      logger,
      signal: new AbortController().signal,
    });
    expect(await refreshedAt()).toBeNull();
    expect(lines.map((line) => line.msg)).toEqual([
      'materialized view refresh disabled (MATERIALIZED_VIEW_REFRESH_SECONDS=0)',
    ]);
  });

  it('given two workers, then the view is refreshed once per interval, its duration logged, until they stop', async () => {
    const controller = new AbortController();
    const workers = [capturingLogger(), capturingLogger()];
    const running = workers.map(({ logger }) =>
      refreshViewsPeriodically({
        db: testDb.db,
        config: defaultFeedsConfig,
        intervalSeconds: 1,
        logger,
        signal: controller.signal,
      }),
    );
    const refreshes = () =>
      workers.flatMap(({ lines }) => lines.filter((l) => l.msg === 'materialized view refreshed'));
    await waitFor(async () => refreshes().length >= 3, { timeoutMs: 10_000 });
    controller.abort();
    await Promise.all(running);

    const done = refreshes();
    expect(done[0]).toMatchObject({
      view: 'author_recent_entries',
      durationMs: expect.any(Number),
    });
    // Not one refresh per worker per second: due times are shared through the database.
    const times = done.map((l) => Number(l.time)).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i += 1) {
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThan(800);
    }
    expect(await refreshedAt()).not.toBeNull();
  }, 20_000);
});
