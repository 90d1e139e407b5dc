import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventStore } from './event-store.js';
import { readAll } from './read-all.js';
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

let testDb: TestDatabase<unknown>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase('consumer_crash', { migrations: recordingMigrations });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await testDb.destroy();
});

function startChild(name: string): ChildProcess {
  const child = spawnConsumerChild(testDb.url, name);
  children.push(child);
  return child;
}

describe('a consumer process killed mid-batch', () => {
  it('resumes after a restart with no event lost and none delivered twice', async () => {
    const store = createEventStore({ db: testDb.db });
    const total = 400;
    for (let i = 0; i < total; i += 20) {
      await store.appendToStream(
        `crash-${i % 3}`,
        Array.from({ length: 20 }, (_, n) => ({
          type: 'Recorded',
          data: { n: i + n },
        })),
      );
    }
    const name = `crash-${randomUUID()}`;

    const first = startChild(name);
    // Kill it once it has committed some batches and is inside the next one's transaction.
    await waitFor(
      async () =>
        (await deliveries(testDb.db, name)).length >= 50 && (await batchInFlight(testDb.db)),
      { timeoutMs: 30_000, intervalMs: 5, message: 'the first child to be mid-batch' },
    );
    first.kill('SIGKILL');
    await exited(first);
    const atKill = (await deliveries(testDb.db, name)).length;
    expect(atKill).toBeLessThan(total);

    const second = startChild(name);
    const seen = await waitFor(
      async () => {
        const rows = await deliveries(testDb.db, name);
        return rows.length >= total ? rows : undefined;
      },
      { timeoutMs: 60_000, message: 'the restarted child to catch up' },
    );
    second.kill('SIGTERM');
    await exited(second);

    const log = await readAll(testDb.db, { limit: 10_000 });
    expect(seen.map((d) => d.position)).toEqual(log.events.map((e) => e.position));
    const checkpoint = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM consumer_checkpoints WHERE name = ${name}`.execute(testDb.db);
    expect(checkpoint.rows[0]?.n).toBe(1);
  });
});
