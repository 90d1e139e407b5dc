import { createTestDatabase, type TestDatabase } from '@tideline/event-store/testing';
import { startRedisServer, type TestRedisServer } from '@tideline/fanout/testing';
import { defaultFeedsConfig } from '@tideline/feeds';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Target } from '../env.js';
import { memoryOutput } from '../output.js';
import { doctor } from './doctor.js';
import { init } from './init.js';

let testDb: TestDatabase<unknown>;
let server: TestRedisServer;
let admin: Redis;
let target: Target;

beforeAll(async () => {
  // An empty database and a private Redis: init changes server settings.
  testDb = await createTestDatabase('cli_init', { migrate: false });
  server = await startRedisServer();
  admin = new Redis(server.url);
  await admin.config('SET', 'notify-keyspace-events', 'K$');
  await admin.config('SET', 'tcp-keepalive', '300');
  target = { databaseUrl: testDb.url, redisUrl: server.url, config: defaultFeedsConfig };
});

afterAll(async () => {
  admin.disconnect();
  await server.stop();
  await testDb.destroy();
});

async function eventCount(): Promise<number> {
  const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM events`.execute(testDb.db);
  return Number(rows[0]?.n);
}

async function configOf(name: string): Promise<string> {
  const reply = (await admin.config('GET', name)) as string[];
  return reply[1] ?? '';
}

describe('feed init', () => {
  it('migrates, configures Redis and adds the sample, then changes nothing when run again', async () => {
    const first = memoryOutput();
    await init(target, first);
    expect(first.lines.join('\n')).toContain('postgres: applied 0001-event-store');
    const events = await eventCount();
    expect(events).toBeGreaterThan(0);
    expect(await configOf('maxmemory-policy')).toBe('noeviction');
    expect(await configOf('tcp-keepalive')).toBe('60');
    // Flags already set are kept; the required ones are added.
    expect(await configOf('notify-keyspace-events')).toEqual(expect.stringContaining('K'));
    for (const flag of 'Exe') {
      expect(await configOf('notify-keyspace-events')).toContain(flag);
    }

    const second = memoryOutput();
    await init(target, second);
    expect(second.lines).toContain('postgres: all 8 migrations already applied');
    expect(second.lines).toContain('sample: users sample-1..3 (0 new activities, 0 new follows)');
    expect(
      second.lines.filter((l) => l.startsWith('redis: ') && !/unchanged|already/.test(l)),
    ).toEqual([]);
    expect(await eventCount()).toBe(events);

    const { failed } = await doctor(target, memoryOutput());
    expect(failed).toBe(0);
  });
});
