import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from './checkpoints.js';
import { readLease } from './consumer-lease.js';
import { createEventStore, type EventStore } from './event-store.js';
import { comparePositions, type Position } from './position.js';
import { readAll } from './read-all.js';
import type { ChildReport } from './testing/consumer-child.js';
import {
  batchInFlight,
  createTestDatabase,
  deliveries,
  exited,
  recordingMigrations,
  spawnConsumerChild,
  type TestDatabase,
  waitFor,
} from './testing/index.js';

type ErrorReport = Extract<ChildReport, { kind: 'error' }>;

let testDb: TestDatabase<unknown>;
let store: EventStore;
const children: ChildProcess[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase('consumer_stall', { migrations: recordingMigrations });
  store = createEventStore({ db: testDb.db });
});
afterAll(async () => {
  // SIGKILL ends a stopped process too; wait for each, so none outlives the file.
  await Promise.all(
    children.map((child) => {
      child.kill('SIGKILL');
      return exited(child);
    }),
  );
  await testDb.destroy();
});

interface Child {
  process: ChildProcess;
  /** Whether it has reported at all (it reports its state as soon as it runs). */
  up(): boolean;
  active(): boolean;
  errors: ErrorReport[];
}

/** A consumer process with the default lease, reporting its state over IPC. */
function startChild(name: string): Child {
  const child = spawnConsumerChild(testDb.url, name);
  children.push(child);
  let active: boolean | undefined;
  const errors: ErrorReport[] = [];
  child.on('message', (message: ChildReport) => {
    if (message.kind === 'active') active = message.active;
    else errors.push(message);
  });
  return {
    process: child,
    up: () => active !== undefined,
    active: () => active === true,
    errors,
  };
}

async function appendRecorded(stream: string, count: number) {
  return store.appendToStream(
    stream,
    Array.from({ length: count }, (_, n) => ({ type: 'Recorded', data: { n } })),
  );
}

/** Waits until the consumer's checkpoint is at or past `position`, sampling each value. */
async function checkpointReaches(
  name: string,
  position: Position,
  samples: Position[],
  message: string,
): Promise<void> {
  await waitFor(
    async () => {
      const checkpoint = await readCheckpoint(testDb.db, name);
      if (checkpoint) samples.push(checkpoint);
      return checkpoint !== undefined && comparePositions(checkpoint, position) >= 0;
    },
    { timeoutMs: 10_000, message },
  );
}

describe('a consumer process stopped with SIGSTOP', () => {
  it('is replaced within ten seconds and cannot commit when it wakes', async () => {
    const name = `stall-${randomUUID()}`;
    const stream = `stall-${randomUUID()}`;

    // Given a leader in the middle of a batch (holding its row locks) and a standby
    const first = startChild(name);
    await waitFor(first.active, { timeoutMs: 15_000, message: 'the first child to lead' });
    const second = startChild(name);
    await waitFor(second.up, { timeoutMs: 15_000, message: 'the second child to stand by' });
    for (let i = 0; i < 10; i += 1) await appendRecorded(stream, 20);
    await waitFor(
      async () =>
        (await deliveries(testDb.db, name)).length >= 50 && (await batchInFlight(testDb.db)),
      { timeoutMs: 30_000, intervalMs: 5, message: 'the leader to be mid-batch' },
    );
    expect(second.active()).toBe(false);

    // When the leader is frozen
    first.process.kill('SIGSTOP');
    const stoppedAt = performance.now();
    const checkpoints: Position[] = [];
    const late = await appendRecorded(`${stream}-late`, 5);

    // Then the standby takes over and projects what was appended after the freeze
    await checkpointReaches(
      name,
      late.position,
      checkpoints,
      'the standby to take over and project new events',
    );
    const takeoverMs = performance.now() - stoppedAt;
    console.info(`stall test: takeover after SIGSTOP took ${Math.round(takeoverMs)} ms`);
    expect(second.active()).toBe(true);

    // And the woken leader's batch is refused: it steps down and delivers nothing twice
    const errorsBefore = first.errors.length;
    first.process.kill('SIGCONT');
    await waitFor(() => first.errors.length > errorsBefore && !first.active(), {
      timeoutMs: 10_000,
      message: 'the woken leader to have its batch refused and step down',
    });
    // PostgreSQL ended its transaction (idle too long) or the fence refused it
    expect(first.errors.slice(errorsBefore).map((e) => `${e.name}: ${e.message}`)).toContainEqual(
      expect.stringMatching(/LeaseLostError|not queryable|idle-in-transaction|terminat/i),
    );
    const last = await appendRecorded(`${stream}-last`, 5);
    await checkpointReaches(
      name,
      last.position,
      checkpoints,
      'the new leader to project events after the wake-up',
    );
    expect(first.active()).toBe(false);
    expect(second.active()).toBe(true);
    const lease = await readLease(testDb.db, name);
    expect(lease?.owner).toContain(`:${second.process.pid}:`);
    expect(lease?.token).toBeGreaterThan(1);

    const log = await readAll(testDb.db, { limit: 10_000 });
    const seen = await deliveries(testDb.db, name);
    expect(seen.map((d) => d.position)).toEqual(log.events.map((e) => e.position));
    const sorted = [...checkpoints].sort(comparePositions);
    expect(checkpoints).toEqual(sorted);

    for (const child of [first, second]) child.process.kill('SIGTERM');
    await Promise.all([exited(first.process), exited(second.process)]);
  }, 60_000);
});
