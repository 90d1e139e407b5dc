import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { appendToStream } from './append-to-stream.js';
import { readCheckpoint } from './checkpoints.js';
import { type Consumer, createConsumer } from './consumer.js';
import { createEventStore, type EventStore } from './event-store.js';
import { decodePosition, encodePosition, START } from './position.js';
import { hasEventAt, hasWithheldEvents, readAll, readAllQuery } from './read-all.js';
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
const consumers: Consumer[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase('read_all', { migrations: recordingMigrations });
  store = createEventStore({ db: testDb.db });
});
afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.stop()));
});
afterAll(() => testDb.destroy());

function startConsumer(name: string): Consumer {
  const consumer = createConsumer({
    db: testDb.db,
    connectionString: testDb.url,
    projection: recordingProjection(name),
    startFrom: 'end',
    // Only notifications and the held-back re-check may deliver within the test deadline.
    idlePollMs: 600_000,
  });
  consumers.push(consumer);
  consumer.start();
  return consumer;
}

const recorded = (label: string) => [{ type: 'Recorded', data: { label } }];

describe('reading all events in global order', () => {
  it('holds back a committed event while an older transaction is open, then delivers both in order', async () => {
    const name = `slow-${randomUUID()}`;
    startConsumer(name);
    await waitFor(() => readCheckpoint(testDb.db, name), { message: 'a checkpoint' });
    const before = (await readAll(testDb.db, { after: START, limit: 1_000_000 })).next;

    const slow = await testDb.db.startTransaction().execute();
    const slowResult = await appendToStream(slow, 'ordering-slow', recorded('slow'));
    const fast = await store.appendToStream('ordering-fast', recorded('fast'));

    expect(fast.position > slowResult.position).toBe(true);
    const visible = await readAll(testDb.db, { after: before });
    expect(visible.events).toHaveLength(0);
    expect(await hasWithheldEvents(testDb.db, before)).toBe(true);

    await slow.commit().execute();
    const seen = await waitFor(
      async () => {
        const rows = await deliveries(testDb.db, name);
        return rows.length >= 2 ? rows : undefined;
      },
      { message: 'both events to be delivered' },
    );
    expect(seen.map((d) => d.stream_id)).toEqual(['ordering-slow', 'ordering-fast']);
    expect(seen.map((d) => d.position)).toEqual([slowResult.position, fast.position]);
  });

  it('is not blocked by a rolled-back append, even though it never notifies', async () => {
    const name = `rollback-${randomUUID()}`;
    startConsumer(name);
    await waitFor(() => readCheckpoint(testDb.db, name), { message: 'a checkpoint' });

    const doomed = await testDb.db.startTransaction().execute();
    await appendToStream(doomed, 'ordering-doomed', recorded('doomed'));
    const after = await store.appendToStream('ordering-after', recorded('after'));
    await doomed.rollback().execute();

    const seen = await waitFor(
      async () => {
        const rows = await deliveries(testDb.db, name);
        return rows.length >= 1 ? rows : undefined;
      },
      { message: 'the committed event to be delivered' },
    );
    expect(seen.map((d) => d.position)).toEqual([after.position]);
  });

  it('is not blocked by an open transaction that writes no events once it ends', async () => {
    const name = `unrelated-${randomUUID()}`;
    startConsumer(name);
    await waitFor(() => readCheckpoint(testDb.db, name), { message: 'a checkpoint' });

    const unrelated = await testDb.db.startTransaction().execute();
    await sql`SELECT pg_current_xact_id()`.execute(unrelated);
    const later = await store.appendToStream('ordering-later', recorded('later'));
    await unrelated.commit().execute();

    const seen = await waitFor(
      async () =>
        (await deliveries(testDb.db, name)).length >= 1 ? deliveries(testDb.db, name) : undefined,
      { message: 'the later event to be delivered' },
    );
    expect(seen.map((d) => d.position)).toEqual([later.position]);
  });

  it('tells the position of an event of the log from one that is not', async () => {
    const kept = await store.appendToStream('at-kept', recorded('kept'));
    const doomed = await testDb.db.startTransaction().execute();
    const gone = await appendToStream(doomed, 'at-doomed', recorded('doomed'));
    await doomed.rollback().execute();
    const parts = decodePosition(kept.position);
    if (!parts) throw new Error('a position');

    expect(await hasEventAt(testDb.db, kept.position)).toBe(true);
    expect(await hasEventAt(testDb.db, gone.position)).toBe(false);
    expect(await hasEventAt(testDb.db, START)).toBe(false);
    // Same transaction, a sequence number no event has.
    const beside = encodePosition({ ...parts, sequence: parts.sequence + 1_000_000n });
    expect(await hasEventAt(testDb.db, beside)).toBe(false);
  });

  it('polls with an index scan and no sort', async () => {
    await sql`
      INSERT INTO events (stream_id, stream_version, event_id, type, data)
      SELECT 'explain-' || (g % 100), g, gen_random_uuid(), 'Filler', '{}'::jsonb
      FROM generate_series(1, 20000) AS g`.execute(testDb.db);
    await sql`ANALYZE events`.execute(testDb.db);
    const plan = await sql<{ 'QUERY PLAN': string }>`
      EXPLAIN ${readAllQuery(5n, 100n, 500)}`.execute(testDb.db);
    const text = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(text).toMatch(/Index Scan using events_transaction_position_idx/);
    expect(text).not.toMatch(/Sort/);
    expect(text).not.toMatch(/Seq Scan/);
  });
});
