import { createTestDatabase, type TestDatabase, waitFor } from '@tideline/event-store/testing';
import { testRedisUrl } from '@tideline/fanout/testing';
import { addActivity, defaultFeedsConfig, feedMigrations } from '@tideline/feeds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryOutput } from '../output.js';
import { startCli } from '../testing/run-cli.js';
import { tailEvents } from './tail.js';

let testDb: TestDatabase<unknown>;

beforeAll(async () => {
  testDb = await createTestDatabase('cli_tail', { migrations: feedMigrations });
});

afterAll(() => testDb.destroy());

const post = (object: string) => ({ actor: 'ana', verb: 'post', object });

describe('feed events tail', () => {
  it('prints an event appended while it runs, then exits 0 after --count events', async () => {
    // Given a CLI following an empty log from its start
    const child = startCli(['events', 'tail', '--from', 'start', '--count', '1'], {
      DATABASE_URL: testDb.url,
      REDIS_URL: testRedisUrl,
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => {
      stdout += String(chunk);
    });
    child.stderr?.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

    // When an activity is appended
    const { activity, position } = await addActivity(testDb.db, 'user:ana', post('photo:1'));

    // Then its event is printed and the CLI exits cleanly
    expect(await exited, stderr).toBe(0);
    expect(stdout).toMatch(
      new RegExp(`^${position} ActivityAdded feed:user:ana@1 .*"id":"${activity.id}"`),
    );
  });

  it('with --from end, starts at the head of the log, so what is appended next is printed', async () => {
    await addActivity(testDb.db, 'user:bob', post('old'));
    const output = memoryOutput();
    const stop = new AbortController();
    let ready = false;
    const tail = tailEvents(
      { databaseUrl: testDb.url, redisUrl: testRedisUrl, config: defaultFeedsConfig },
      { from: 'end', json: true, signal: stop.signal, onReady: () => (ready = true) },
      output,
    );
    await waitFor(async () => ready, { message: 'tail to start' });
    const { activity } = await addActivity(testDb.db, 'user:bob', post('new'));
    await waitFor(async () => output.lines.some((line) => line.includes(activity.id)), {
      message: 'the new event to be printed',
    });
    stop.abort();
    await tail;
    const printed = output.lines.map((line) => JSON.parse(line) as { data: { object: string } });
    expect(printed.at(-1)).toMatchObject({
      type: 'ActivityAdded',
      streamId: 'feed:user:bob',
      data: { id: activity.id, object: 'new' },
    });
    // The head is the newest event gap-safe reading returns: on a busy server (another
    // transaction open) it may sit a little behind, never ahead, so nothing is missed.
    expect(printed.length).toBeLessThanOrEqual(3);
  });

  it('stops when its signal is aborted', async () => {
    const stop = new AbortController();
    let ready = false;
    const tail = tailEvents(
      { databaseUrl: testDb.url, redisUrl: testRedisUrl, config: defaultFeedsConfig },
      { from: 'end', signal: stop.signal, onReady: () => (ready = true) },
      memoryOutput(),
    );
    await waitFor(async () => ready, { message: 'tail to start' });
    stop.abort();
    expect(await tail).toEqual({ printed: 0 });
  });
});
