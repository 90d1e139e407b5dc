import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventStore } from './event-store.js';
import { readAll } from './read-all.js';
import {
  createTestDatabase,
  deliveries,
  recordingMigrations,
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
  const script = fileURLToPath(new URL('./testing/consumer-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, testDb.url, name], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(child);
  return child;
}

async function batchInFlight(): Promise<boolean> {
  const result = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND state = 'active'
      AND query LIKE '%pg_sleep(0.05)%' AND pid <> pg_backend_pid()`.execute(testDb.db);
  return (result.rows[0]?.n ?? 0) > 0;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
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
      async () => (await deliveries(testDb.db, name)).length >= 50 && (await batchInFlight()),
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
