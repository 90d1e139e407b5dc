import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Kysely, sql } from 'kysely';

/**
 * Starts testing/consumer-child.ts in its own process, with an IPC channel over which it
 * reports (ChildReport). The caller must end it: `kill` it, then await `exited`.
 *
 * @example
 * const child = spawnConsumerChild(testDb.url, name);
 * child.kill('SIGKILL');
 * await exited(child);
 */
export function spawnConsumerChild(url: string, name: string): ChildProcess {
  const script = fileURLToPath(new URL('./consumer-child.ts', import.meta.url));
  return spawn(process.execPath, ['--import', 'tsx', script, url, name], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Resolves once the process has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Whether some consumer child is inside a batch transaction right now (its pg_sleep). */
export async function batchInFlight(db: Kysely<unknown>): Promise<boolean> {
  const result = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND state = 'active'
      AND query LIKE '%pg_sleep(0.05)%' AND pid <> pg_backend_pid()`.execute(db);
  return (result.rows[0]?.n ?? 0) > 0;
}
