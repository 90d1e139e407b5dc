import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from './checkpoints.js';
import { type Consumer, createConsumer } from './consumer.js';
import { createEventStore } from './event-store.js';
import {
  createTestDatabase,
  deliveries,
  recordingMigrations,
  recordingProjection,
  type TestDatabase,
  waitFor,
} from './testing/index.js';

let testDb: TestDatabase<unknown>;
let consumers: Consumer[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase('soak', { migrations: recordingMigrations });
});
afterAll(async () => {
  await Promise.all(consumers.map((c) => c.stop()));
  await testDb.destroy();
});

const WRITERS = 8;
const EVENTS_PER_WRITER = 2000;

describe('soak: concurrent writers and consumers', () => {
  it('delivers every event exactly once, in global order, to each of two consumers', async () => {
    const store = createEventStore({ db: testDb.db });
    const names = [`soak-a-${randomUUID()}`, `soak-b-${randomUUID()}`];
    consumers = names.map((name, i) =>
      createConsumer({
        db: testDb.db,
        connectionString: testDb.url,
        projection: recordingProjection(name),
        batchSize: i === 0 ? 100 : 500,
      }),
    );
    for (const consumer of consumers) consumer.start();
    await waitFor(async () =>
      (await Promise.all(names.map((n) => readCheckpoint(testDb.db, n)))).every(Boolean),
    );

    const appended: string[] = [];
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, writer) => {
        for (let i = 0; i < EVENTS_PER_WRITER; i += 1) {
          // Writers share streams, so appends also contend on stream versions.
          const stream = `soak-${(writer + i) % 5}`;
          const result = await store.appendToStream(stream, [
            { type: 'Recorded', data: { writer, i } },
          ]);
          appended.push(result.position);
        }
      }),
    );
    const total = WRITERS * EVENTS_PER_WRITER;
    const expected = [...appended].sort();

    for (const name of names) {
      const seen = await waitFor(
        async () => {
          const rows = await deliveries(testDb.db, name);
          return rows.length >= total ? rows : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 200, message: `${name} to catch up` },
      );
      expect(seen).toHaveLength(total);
      expect(seen.map((d) => d.position)).toEqual(expected);
      const lastVersion = new Map<string, number>();
      for (const delivery of seen) {
        const previous = lastVersion.get(delivery.stream_id) ?? 0;
        expect(delivery.stream_version).toBe(previous + 1);
        lastVersion.set(delivery.stream_id, delivery.stream_version);
      }
    }
  }, 300_000);
});
