import { type ChildProcess, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { comparePositions, readCheckpoint, readLease } from '@tideline/event-store';
import {
  createTestDatabase,
  exited,
  type TestDatabase,
  waitFor,
} from '@tideline/event-store/testing';
import {
  addActivity,
  createTimelineReader,
  feedMigrations,
  feedsConfigFromEnv,
  follow,
} from '@tideline/feeds';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inheritedEnv, loadEnv } from './env.js';

const mainFile = fileURLToPath(new URL('./main.ts', import.meta.url));

let testDb: TestDatabase<unknown>;
let redis: Redis;
const workers: ChildProcess[] = [];
const prefix = () => `${testDb.name}:`;

beforeAll(async () => {
  testDb = await createTestDatabase('worker_failover', { migrations: feedMigrations });
  redis = new Redis(loadEnv().REDIS_URL);
});
afterAll(async () => {
  // SIGKILL ends a stopped process too.
  await Promise.all(
    workers.map((worker) => {
      worker.kill('SIGKILL');
      return exited(worker);
    }),
  );
  const keys = await redis.keys(`${prefix()}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await testDb.destroy();
});

function startWorker(id: string): { process: ChildProcess; output: string[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', mainFile], {
    env: inheritedEnv({
      DATABASE_URL: testDb.url,
      REDIS_KEY_PREFIX: prefix(),
      WORKER_ID: id,
      LOG_LEVEL: 'info',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  workers.push(child);
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  return { process: child, output };
}

describe('two workers, the projector leader frozen with SIGSTOP', () => {
  it('still deliver a new post to a follower within ten seconds', async () => {
    const config = feedsConfigFromEnv(loadEnv({ REDIS_KEY_PREFIX: prefix() }));
    const reader = createTimelineReader({ db: testDb.db, redis, config });
    const started = [startWorker('1'), startWorker('2')];
    for (const worker of started) {
      await waitFor(() => worker.output.join('').includes('"msg":"worker ready"'), {
        timeoutMs: 30_000,
        message: 'a worker to be ready',
      });
    }
    // Given bob follows ana and has read his timeline (so it is live and fanned out to)
    const followed = await follow(testDb.db, { source: 'timeline:bob', target: 'user:ana' });
    await reader.readFeed('timeline:bob', { minPosition: followed.position });
    const leader = await waitFor(async () => {
      const lease = await readLease(testDb.db, 'feeds');
      return lease?.held
        ? started.find((w) => lease.owner.includes(`:${w.process.pid}:`))
        : undefined;
    });
    const standby = started.find((worker) => worker !== leader);

    // When the projector's leader is frozen and ana posts
    leader.process.kill('SIGSTOP');
    const stoppedAt = performance.now();
    const { activity, position } = await addActivity(testDb.db, 'user:ana', {
      actor: 'ana',
      verb: 'post',
      object: 'note:1',
    });

    // Then the other worker projects it and fans it out to bob's timeline
    await waitFor(
      async () => {
        const checkpoint = await readCheckpoint(testDb.db, 'feeds');
        return checkpoint !== undefined && comparePositions(checkpoint, position) >= 0;
      },
      { timeoutMs: 10_000, message: 'the other worker to project the post' },
    );
    const projectedMs = performance.now() - stoppedAt;
    await waitFor(
      async () => (await reader.readFeed('timeline:bob')).results.some((a) => a.id === activity.id),
      { timeoutMs: 10_000, message: "the post in bob's timeline" },
    );
    const deliveredMs = performance.now() - stoppedAt;
    console.info(
      `worker failover: projected ${Math.round(projectedMs)} ms, in the follower's timeline ${Math.round(deliveredMs)} ms after SIGSTOP`,
    );
    expect(deliveredMs).toBeLessThan(10_000);

    // And the frozen worker, woken, stands by and exits cleanly
    leader.process.kill('SIGCONT');
    const lease = await readLease(testDb.db, 'feeds');
    expect(lease?.owner).toContain(`:${standby?.process.pid}:`);
    for (const worker of started) worker.process.kill('SIGTERM');
    await Promise.all(started.map((worker) => exited(worker.process)));
    for (const worker of started) {
      expect(worker.process.exitCode, worker.output.join('')).toBe(0);
    }
  }, 90_000);
});
