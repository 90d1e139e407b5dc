import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendToStreams } from './append-to-stream.js';
import { IdempotencyConflictError, VersionConflictError } from './errors.js';
import { createEventStore, type EventStore } from './event-store.js';
import { readStream } from './read-stream.js';
import { createTestDatabase, type TestDatabase } from './testing/index.js';

let testDb: TestDatabase<unknown>;
let store: EventStore;

beforeAll(async () => {
  testDb = await createTestDatabase('append');
  store = createEventStore({ db: testDb.db });
});
afterAll(() => testDb.destroy());

const event = (n = 0) => ({ type: 'Recorded', data: { n } });

const newStream = () => `test-${randomUUID()}`;

async function eventCount(streamId: string): Promise<number> {
  const result = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM events WHERE stream_id = ${streamId}`.execute(testDb.db);
  return result.rows[0]?.n ?? -1;
}

describe('appendToStream', () => {
  it('numbers a new stream from 1 and returns the last version and a position', async () => {
    const stream = newStream();
    const result = await store.appendToStream(stream, [event(1), event(2), event(3)]);
    expect(result.streamVersion).toBe(3);
    expect(result.duplicate).toBe(false);
    const stored = await readStream(testDb.db, stream);
    expect(stored.map((e) => e.streamVersion)).toEqual([1, 2, 3]);
    expect(stored.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3]);
    expect(stored[2]?.position).toBe(result.position);
  });

  it('lets exactly one of two appends with the same expected version win', async () => {
    const stream = newStream();
    await store.appendToStream(stream, [event()]);
    const outcomes = await Promise.allSettled([
      store.appendToStream(stream, [event(1)], { expectedVersion: 1 }),
      store.appendToStream(stream, [event(2)], { expectedVersion: 1 }),
    ]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o) => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const reason = (lost[0] as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(VersionConflictError);
    expect(reason).toMatchObject({
      code: 'VERSION_CONFLICT',
      actualVersion: 2,
      expectedVersion: 1,
    });
    expect(await eventCount(stream)).toBe(2);
  });

  it('gives 50 parallel appends with expected version any the versions 1 to 50, none failing', async () => {
    const stream = newStream();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.appendToStream(stream, [event(i)])),
    );
    expect(results.map((r) => r.streamVersion).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    const stored = await readStream(testDb.db, stream);
    expect(stored.map((e) => e.streamVersion)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('accepts no_stream only for a stream that does not exist', async () => {
    const stream = newStream();
    await store.appendToStream(stream, [event()], { expectedVersion: 'no_stream' });
    await expect(
      store.appendToStream(stream, [event()], { expectedVersion: 'no_stream' }),
    ).rejects.toMatchObject({ code: 'VERSION_CONFLICT', actualVersion: 1 });
    expect(await eventCount(stream)).toBe(1);
  });

  it('accepts stream_exists only for a stream that exists', async () => {
    const stream = newStream();
    await expect(
      store.appendToStream(stream, [event()], { expectedVersion: 'stream_exists' }),
    ).rejects.toMatchObject({ code: 'VERSION_CONFLICT', actualVersion: 0 });
    expect(await eventCount(stream)).toBe(0);
    await store.appendToStream(stream, [event()]);
    const result = await store.appendToStream(stream, [event()], {
      expectedVersion: 'stream_exists',
    });
    expect(result.streamVersion).toBe(2);
  });

  it('treats expected version 0 as no stream', async () => {
    const stream = newStream();
    expect(
      (await store.appendToStream(stream, [event()], { expectedVersion: 0 })).streamVersion,
    ).toBe(1);
    await expect(
      store.appendToStream(stream, [event()], { expectedVersion: 0 }),
    ).rejects.toBeInstanceOf(VersionConflictError);
  });

  it('returns the first result when the same append is retried, writing nothing', async () => {
    const stream = newStream();
    const events = [
      { ...event(1), id: randomUUID() },
      { ...event(2), id: randomUUID() },
    ];
    const first = await store.appendToStream(stream, events, { expectedVersion: 'no_stream' });
    await store.appendToStream(stream, [event(3)]);
    const retry = await store.appendToStream(stream, events, { expectedVersion: 'no_stream' });
    expect(retry).toEqual({ ...first, duplicate: true });
    expect(await eventCount(stream)).toBe(3);
  });

  it('returns one result to concurrent copies of the same append', async () => {
    const stream = newStream();
    const events = [{ ...event(), id: randomUUID() }];
    const results = await Promise.all(
      Array.from({ length: 5 }, () => store.appendToStream(stream, events)),
    );
    expect(new Set(results.map((r) => r.position)).size).toBe(1);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await eventCount(stream)).toBe(1);
  });

  it('rejects an append whose event ids partly overlap an earlier append', async () => {
    const stream = newStream();
    const a = { ...event(1), id: randomUUID() };
    const b = { ...event(2), id: randomUUID() };
    await store.appendToStream(stream, [a]);
    await expect(store.appendToStream(stream, [a, b])).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
    expect(await eventCount(stream)).toBe(1);
  });

  it('rejects reusing an event id in another stream', async () => {
    const a = { ...event(1), id: randomUUID() };
    await store.appendToStream(newStream(), [a]);
    const other = newStream();
    await expect(store.appendToStream(other, [a])).rejects.toMatchObject({
      code: 'IDEMPOTENCY_CONFLICT',
    });
    expect(await eventCount(other)).toBe(0);
  });

  it('rolls the version bump back when the append fails', async () => {
    const stream = newStream();
    await expect(
      store.appendToStream(stream, [{ type: 'Recorded', data: { n: 1 }, id: 'not-a-uuid' }]),
    ).rejects.toThrow(/not a UUID/);
    expect((await store.appendToStream(stream, [event()])).streamVersion).toBe(1);
  });

  it('reads a stream backward from a version', async () => {
    const stream = newStream();
    await store.appendToStream(stream, [event(1), event(2), event(3), event(4)]);
    const page = await readStream(testDb.db, stream, {
      direction: 'backward',
      fromVersion: 3,
      limit: 2,
    });
    expect(page.map((e) => e.streamVersion)).toEqual([3, 2]);
  });
});

describe('appendToStreams', () => {
  it('appends to several streams in one transaction', async () => {
    const [a, b] = [newStream(), newStream()];
    const results = await testDb.db.transaction().execute((tx) =>
      appendToStreams(tx, [
        { streamId: a, events: [event(1)] },
        { streamId: b, events: [event(2), event(3)], expectedVersion: 'no_stream' },
      ]),
    );
    expect(results.map((r) => r.streamVersion)).toEqual([1, 2]);
    expect(await eventCount(a)).toBe(1);
    expect(await eventCount(b)).toBe(2);
  });

  it('writes nothing to any stream when one of them conflicts', async () => {
    const [a, b] = [newStream(), newStream()];
    await store.appendToStream(b, [event()]);
    await expect(
      testDb.db.transaction().execute((tx) =>
        appendToStreams(tx, [
          { streamId: a, events: [event(1)] },
          { streamId: b, events: [event(2)], expectedVersion: 'no_stream' },
        ]),
      ),
    ).rejects.toMatchObject({ code: 'VERSION_CONFLICT', streamId: b });
    expect(await eventCount(a)).toBe(0);
    expect(await eventCount(b)).toBe(1);
  });

  it('refuses to append in a transaction that has written already, writing nothing', async () => {
    const stream = newStream();
    await expect(
      testDb.db.transaction().execute(async (tx) => {
        // Gives the transaction its id, as any earlier write would.
        await sql`SELECT pg_current_xact_id()`.execute(tx);
        return appendToStreams(tx, [{ streamId: stream, events: [event()] }]);
      }),
    ).rejects.toThrow(/first write of its transaction/);
    expect(await eventCount(stream)).toBe(0);
  });
});

describe('the event table', () => {
  it('rejects UPDATE, DELETE and TRUNCATE', async () => {
    const stream = newStream();
    await store.appendToStream(stream, [event()]);
    await expect(
      sql`UPDATE events SET type = 'Changed' WHERE stream_id = ${stream}`.execute(testDb.db),
    ).rejects.toThrow(/events are immutable: UPDATE/);
    await expect(
      sql`DELETE FROM events WHERE stream_id = ${stream}`.execute(testDb.db),
    ).rejects.toThrow(/events are immutable: DELETE/);
    await expect(sql`TRUNCATE events`.execute(testDb.db)).rejects.toThrow(
      /events are immutable: TRUNCATE/,
    );
    const stored = await readStream(testDb.db, stream);
    expect(stored.map((e) => e.type)).toEqual(['Recorded']);
  });
});
