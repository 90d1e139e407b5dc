import { createEventStore } from '@tideline/event-store';
import {
  createTestDatabase,
  deliveries,
  recordingMigrations,
  recordingProjection,
  type TestDatabase,
  waitFor,
} from '@tideline/event-store/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorker } from './run-worker.js';

let testDb: TestDatabase<unknown>;
beforeAll(async () => {
  testDb = await createTestDatabase('worker', { migrations: recordingMigrations });
});
afterAll(() => testDb.destroy());

const logger = pino({ level: 'silent' });

describe('runWorker', () => {
  it('runs each projection as a consumer until the signal aborts', async () => {
    const controller = new AbortController();
    const running = runWorker({
      db: testDb.db,
      connectionString: testDb.url,
      projections: [recordingProjection('worker-a'), recordingProjection('worker-b')],
      logger,
      signal: controller.signal,
    });
    const store = createEventStore({ db: testDb.db });
    const { position } = await store.appendToStream('worker', [{ type: 'Recorded', data: {} }]);

    for (const name of ['worker-a', 'worker-b']) {
      const seen = await waitFor(async () => {
        const rows = await deliveries(testDb.db, name);
        return rows.length > 0 ? rows : undefined;
      });
      expect(seen.map((d) => d.position)).toEqual([position]);
    }
    controller.abort();
    await running;
  });

  it('returns at once when started with an aborted signal', async () => {
    await expect(
      runWorker({
        db: testDb.db,
        connectionString: testDb.url,
        projections: [recordingProjection('never')],
        logger,
        signal: AbortSignal.abort(),
      }),
    ).resolves.toBeUndefined();
  });
});
