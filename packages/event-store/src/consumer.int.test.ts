import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from './checkpoints.js';
import { type Consumer, type ConsumerOptions, createConsumer } from './consumer.js';
import { createEventStore, type EventStore } from './event-store.js';
import type { Projection } from './projection.js';
import {
  createTestDatabase,
  deliveries,
  recordingMigrations,
  recordingProjection,
  type TestDatabase,
  waitFor,
} from './testing/index.js';

let testDb: TestDatabase<unknown>;
let store: EventStore;
const running: Consumer[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase('consumer', { migrations: recordingMigrations });
  store = createEventStore({ db: testDb.db });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});
afterAll(() => testDb.destroy());

function consumerFor(
  projection: Projection<unknown>,
  options: Partial<ConsumerOptions<unknown>> = {},
): Consumer {
  const consumer = createConsumer({
    db: testDb.db,
    connectionString: testDb.url,
    projection,
    startFrom: 'end',
    retry: { attempts: 3, initialDelayMs: 5, maxDelayMs: 20 },
    ...options,
  });
  running.push(consumer);
  return consumer;
}

async function appendRecorded(stream: string, count: number, type = 'Recorded') {
  const results = [];
  for (let i = 0; i < count; i += 1) {
    results.push(await store.appendToStream(stream, [{ type, data: { i } }]));
  }
  return results;
}

async function deliveredCount(name: string, count: number) {
  return waitFor(
    async () => {
      const rows = await deliveries(testDb.db, name);
      return rows.length >= count ? rows : undefined;
    },
    { message: `${count} deliveries to ${name}` },
  );
}

describe('a consumer', () => {
  it('wakes on NOTIFY instead of polling', async () => {
    const name = `notify-${randomUUID()}`;
    const consumer = consumerFor(recordingProjection(name), { idlePollMs: 600_000 });
    consumer.start();
    await waitFor(() => readCheckpoint(testDb.db, name), { message: 'a checkpoint' });
    const appended = await appendRecorded('notify', 3);
    // With a ten-minute poll interval only the notification can deliver within the deadline.
    const seen = await deliveredCount(name, 3);
    expect(seen.map((d) => d.position)).toEqual(appended.map((a) => a.position));
  });

  it('starts from the end of the log, skipping what was there', async () => {
    await appendRecorded('before-end', 2);
    const name = `end-${randomUUID()}`;
    const consumer = consumerFor(recordingProjection(name));
    consumer.start();
    await waitFor(() => readCheckpoint(testDb.db, name), { message: 'a checkpoint' });
    const [after] = await appendRecorded('after-end', 1);
    const seen = await deliveredCount(name, 1);
    expect(seen.map((d) => d.position)).toEqual([after?.position]);
  });

  it('starts from the beginning when asked, delivering the whole log', async () => {
    await appendRecorded('beginning', 2);
    const name = `beginning-${randomUUID()}`;
    const total =
      (
        await sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM events WHERE type IN ('Recorded', 'Poison')`.execute(
          testDb.db,
        )
      ).rows[0]?.n ?? 0;
    consumerFor(recordingProjection(name), { startFrom: 'beginning' }).start();
    const seen = await deliveredCount(name, total);
    expect(seen).toHaveLength(total);
  });

  it('lets only one instance of a name run, and a standby take over when it stops', async () => {
    const name = `exclusive-${randomUUID()}`;
    const first = consumerFor(recordingProjection(name), { standbyPollMs: 20 });
    const second = consumerFor(recordingProjection(name), { standbyPollMs: 20 });
    first.start();
    await waitFor(() => first.isActive(), { message: 'the first instance to take the lock' });
    second.start();
    await waitFor(() => readCheckpoint(testDb.db, name), { message: 'a checkpoint' });
    await appendRecorded('exclusive', 20);
    await deliveredCount(name, 20);
    expect(second.isActive()).toBe(false);

    await first.stop();
    await waitFor(() => second.isActive(), { message: 'the standby to take over' });
    await appendRecorded('exclusive', 5);
    const seen = await deliveredCount(name, 25);
    expect(new Set(seen.map((d) => d.event_id)).size).toBe(25);
    expect(seen).toHaveLength(25);
  });

  it('parks an event that keeps failing in the dead letters and goes on', async () => {
    const name = `poison-${randomUUID()}`;
    const failures: number[] = [];
    const projection = recordingProjection(name, (events) => {
      if (events.some((e) => e.type === 'Poison')) throw new Error('cannot digest poison');
    });
    consumerFor(projection, {
      onFailure: ({ attempt }) => failures.push(attempt),
    }).start();
    await waitFor(() => readCheckpoint(testDb.db, name), { message: 'a checkpoint' });
    const [before] = await appendRecorded('poison', 1);
    const [poison] = await appendRecorded('poison', 1, 'Poison');
    const [after] = await appendRecorded('poison', 1);

    const seen = await deliveredCount(name, 2);
    expect(seen.map((d) => d.position)).toEqual([before?.position, after?.position]);
    const parked = await sql<{ error: string; attempts: number; type: string }>`
      SELECT error, attempts, type FROM dead_letters WHERE consumer = ${name}`.execute(testDb.db);
    expect(parked.rows).toHaveLength(1);
    expect(parked.rows[0]).toMatchObject({ attempts: 3, type: 'Poison' });
    expect(parked.rows[0]?.error).toMatch(/cannot digest poison/);
    expect(failures).toContain(3);
    expect(poison?.position).toBeDefined();
  });

  it('retries a transient failure for as long as it lasts without parking the event', async () => {
    const name = `transient-${randomUUID()}`;
    let outages = 4; // more than the three attempts an ordinary error gets
    const projection = recordingProjection(name, () => {
      if (outages > 0) {
        outages -= 1;
        throw Object.assign(new Error('redis is down'), { transient: true });
      }
    });
    consumerFor(projection).start();
    await waitFor(() => readCheckpoint(testDb.db, name), { message: 'a checkpoint' });
    const [only] = await appendRecorded('transient', 1);
    const seen = await deliveredCount(name, 1);
    expect(seen.map((d) => d.position)).toEqual([only?.position]);
    const parked = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM dead_letters WHERE consumer = ${name}`.execute(testDb.db);
    expect(parked.rows[0]?.n).toBe(0);
  });

  it('reports its lag and replays everything after a rebuild', async () => {
    const name = `rebuild-${randomUUID()}`;
    const consumer = consumerFor(recordingProjection(name), { startFrom: 'beginning' });
    const stream = `rebuild-${randomUUID()}`;
    await appendRecorded(stream, 4);
    consumer.start();
    await waitFor(async () => (await consumer.status()).lag === 0, { message: 'lag 0' });
    const before = await deliveries(testDb.db, name);
    await consumer.stop();

    await appendRecorded(stream, 3);
    expect((await consumer.status()).lag).toBe(3);

    await consumer.rebuild();
    const total = (await consumer.status()).lag;
    expect(total).toBeGreaterThanOrEqual(before.length + 3);
    expect(await deliveries(testDb.db, name)).toEqual([]);
    consumer.start();
    const after = await deliveredCount(name, before.length + 3);
    expect(after.slice(0, before.length)).toEqual(before);
  });
});
