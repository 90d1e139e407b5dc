import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@tideline/event-store/testing';
import { feedMigrations } from '@tideline/feeds';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inheritedEnv, loadEnv } from './env.js';

const mainFile = fileURLToPath(new URL('./main.ts', import.meta.url));

/** Polls until the output holds `text`, or fails at the deadline. */
async function waitForOutput(output: string[], text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!output.join('').includes(text)) {
    if (Date.now() > deadline)
      throw new Error(`no "${text}" within ${timeoutMs} ms:\n${output.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let testDb: TestDatabase<unknown>;
beforeAll(async () => {
  testDb = await createTestDatabase('worker_main', { migrations: feedMigrations });
});
afterAll(async () => {
  // The worker's queue leaves its bookkeeping under the test's key prefix: remove it.
  const redis = new Redis(loadEnv().REDIS_URL);
  const keys = await redis.keys(`${testDb.name}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await testDb.destroy();
});

describe('worker process', () => {
  it('connects, reports ready, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', mainFile], {
      env: inheritedEnv({
        DATABASE_URL: testDb.url,
        REDIS_KEY_PREFIX: `${testDb.name}:`,
        WORKER_ID: 'test',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    const exited = once(child, 'exit');

    try {
      await waitForOutput(output, '"msg":"worker ready"', 30_000);
      // The view is due at once on a fresh database: the first refresh runs at start.
      await waitForOutput(output, '"msg":"materialized view refreshed"', 30_000);
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code, output.join('')).toBe(0);
      expect(output.join('')).toContain('"msg":"worker stopped"');
      expect(output.join('')).toContain('"workerId":"test"');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
