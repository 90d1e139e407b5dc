import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from './checkpoints.js';
import { LeaseLostError, readLease } from './consumer-lease.js';
import { createEventStore, type EventStore } from './event-store.js';
import { type LeaseHolder, takeLease } from './lease-holder.js';
import { type BatchOptions, defaultRetryPolicy, processBatch } from './process-batch.js';
import { readAll } from './read-all.js';
import type { StoredEvent } from './stored-event.js';
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
const clients: pg.Client[] = [];
const leases: LeaseHolder[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase('consumer_lease', { migrations: recordingMigrations });
  store = createEventStore({ db: testDb.db });
});
afterEach(async () => {
  await Promise.all(leases.splice(0).map((lease) => lease.close()));
  await Promise.all(clients.splice(0).map((client) => client.end()));
});
afterAll(() => testDb.destroy());

/** An instance's own connection, as createConsumer opens it. */
async function connection(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: testDb.url });
  await client.connect();
  clients.push(client);
  return client;
}

async function take(name: string, owner: string, ttlMs: number) {
  const lease = await takeLease(await connection(), { name, owner, ttlMs, onLost: () => {} });
  if (lease) leases.push(lease);
  return lease;
}

/**
 * Appends one event and waits until the gap-safe read delivers it: transactions other test
 * files hold open in the cluster can withhold it for a while.
 */
async function appendDeliverable(): Promise<void> {
  const { position } = await store.appendToStream(`lease-${randomUUID()}`, [
    { type: 'Recorded', data: {} },
  ]);
  await waitFor(
    async () =>
      (await readAll(testDb.db, { limit: 10_000 })).events.some((e) => e.position === position),
    { timeoutMs: 30_000, message: 'the event to be deliverable' },
  );
}

function batchOptions(lease: LeaseHolder): BatchOptions {
  return { batchSize: 100, startFrom: 'beginning', retry: defaultRetryPolicy, fence: lease.fence };
}

/** Blocks this process's event loop, timers included, as SIGSTOP would. */
function freeze(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe('a consumer lease', () => {
  it('goes to one instance at a time, and to another only once it expires', async () => {
    const name = `lease-${randomUUID()}`;
    const first = await take(name, 'first', 60_000);
    expect(first?.token).toBe(1);
    expect(await take(name, 'second', 60_000)).toBeUndefined();
    await first?.close(); // expires it now
    const second = await take(name, 'second', 60_000);
    expect(second?.token).toBe(2);
    expect(await readLease(testDb.db, name)).toMatchObject({ owner: 'second', held: true });
  });

  it('rolls back a batch whose lease was taken over before it committed', async () => {
    // Given a leader whose lease another instance takes over in the middle of a batch
    const name = `fenced-${randomUUID()}`;
    await appendDeliverable();
    const stale = await take(name, 'stale', 60_000);
    if (!stale) throw new Error('the first lease was not taken');
    let successor: LeaseHolder | undefined;
    const projection = recordingProjection(name, async () => {
      const admin = await connection();
      await admin.query(
        'UPDATE consumer_leases SET expires_at = clock_timestamp() WHERE name = $1',
        [name],
      );
      successor = await take(name, 'successor', 60_000);
    });

    // When the stale leader's batch tries to commit
    const refused = processBatch(testDb.db, projection, batchOptions(stale));

    // Then it is refused, and its writes and checkpoint roll back
    await expect(refused).rejects.toBeInstanceOf(LeaseLostError);
    expect(successor?.token).toBe(2);
    expect(await deliveries(testDb.db, name)).toEqual([]);
    expect(await readCheckpoint(testDb.db, name)).toBeUndefined();
    expect(stale.held()).toBe(false);

    // And the successor applies the same events, once
    if (!successor) throw new Error('the successor took no lease');
    const moved = await processBatch(testDb.db, recordingProjection(name), batchOptions(successor));
    expect(moved).toBeGreaterThan(0);
    expect((await deliveries(testDb.db, name)).length).toBe(moved);
  });

  it('refuses side effects outside PostgreSQL once its process stalled past the lease', async () => {
    // Given a leader with a short lease whose process freezes mid-batch
    const name = `stalled-${randomUUID()}`;
    await appendDeliverable();
    const lease = await take(name, 'stalled', 300);
    if (!lease) throw new Error('no lease');
    const sideEffects: StoredEvent[] = [];
    const recording = recordingProjection(name);
    const projection = {
      ...recording,
      async apply(events: readonly StoredEvent[], context: Parameters<typeof recording.apply>[1]) {
        await recording.apply(events, context);
        freeze(400); // no renewal can run meanwhile
        context.checkLease?.();
        sideEffects.push(...events); // stands for the projector's Redis writes
      },
    };

    // When it wakes, then the batch stops before its side effects and rolls back
    await expect(processBatch(testDb.db, projection, batchOptions(lease))).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    expect(sideEffects).toEqual([]);
    expect(await deliveries(testDb.db, name)).toEqual([]);
    expect(lease.held()).toBe(false);
  });
});
