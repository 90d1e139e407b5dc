// A consumer in its own process, for the crash and stall tests.
// argv = connection string, consumer name, and optionally the lease ttl in ms.
// Each batch sleeps inside its transaction, so a SIGKILL or SIGSTOP almost always lands
// mid-batch. Started with an IPC channel, it reports whether it is active and the errors
// its loop recovers from (ChildReport), so a test can tell the leader from the standby.
import { sql } from 'kysely';
import { createConsumer } from '../consumer.js';
import { createDatabase } from '../database.js';
import { recordingProjection } from './recording-projection.js';

/** What the child sends its parent over IPC. */
export type ChildReport =
  | { kind: 'active'; active: boolean }
  | { kind: 'error'; name: string; message: string };

const [url, name, leaseTtl] = process.argv.slice(2);
if (!url || !name) throw new Error('usage: consumer-child <url> <name> [lease-ttl-ms]');
const report = (message: ChildReport) => process.send?.(message);
const db = createDatabase({ connectionString: url, max: 2 });
const projection = recordingProjection(name);
const consumer = createConsumer({
  db,
  connectionString: url,
  batchSize: 25,
  standbyPollMs: 100,
  ...(leaseTtl ? { leaseTtlMs: Number(leaseTtl) } : {}),
  projection: {
    ...projection,
    async apply(events, context) {
      await projection.apply(events, context);
      await sql`SELECT pg_sleep(0.05)`.execute(context.tx);
    },
  },
  onError: (error) =>
    report({
      kind: 'error',
      name: error instanceof Error ? error.name : 'unknown',
      message: error instanceof Error ? error.message : String(error),
    }),
});
consumer.start();
let active: boolean | undefined; // undefined, so the first tick reports: the child is up
const watch = setInterval(() => {
  if (consumer.isActive() === active) return;
  active = consumer.isActive();
  report({ kind: 'active', active });
}, 10);
process.on('SIGTERM', () => {
  clearInterval(watch);
  void consumer.stop().then(() => db.destroy());
  process.disconnect?.();
});
