import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCaughtUp, lockCheckpoint, saveCheckpoint } from './checkpoints.js';
import { decodePosition, type Position, START } from './position.js';
import { readAll, readHead } from './read-all.js';
import {
  createTestDatabase,
  digitBoundary,
  insertEventsAt,
  type TestDatabase,
} from './testing/index.js';

/**
 * The head of the log and what is measured against it, when transaction ids gain a digit:
 * as text, '99999' sorts after '100000'.
 */

let testDb: TestDatabase<unknown>;
let boundary: bigint;
let older: Position;
let newer: Position;

beforeAll(async () => {
  testDb = await createTestDatabase('head');
  boundary = await digitBoundary(testDb.db);
  [older, newer] = (await insertEventsAt(testDb.db, [
    {
      transactionId: boundary - 1n,
      streamId: 'digits',
      streamVersion: 1,
      type: 'Counted',
      data: {},
    },
    { transactionId: boundary, streamId: 'digits', streamVersion: 2, type: 'Counted', data: {} },
  ])) as [Position, Position];
});
afterAll(() => testDb.destroy());

async function checkpointAt(name: string, position: Position): Promise<void> {
  await testDb.db.transaction().execute(async (tx) => {
    await lockCheckpoint(tx, name, 'beginning');
    await saveCheckpoint(tx, name, position);
  });
}

describe('the head of the log across a power of ten of transaction ids', () => {
  it('is the event of the larger transaction id', async () => {
    expect(decodePosition(newer)?.transactionId).toBe(boundary);
    expect(await readHead(testDb.db)).toBe(newer);
    expect(await readHead(testDb.db, { fenced: true })).toBe(newer);
    const all = await readAll(testDb.db, { after: START });
    expect(all.events.map((event) => event.position)).toEqual([older, newer]);
  });

  it('has not been caught up with by a consumer at the smaller one', async () => {
    await checkpointAt('behind', older);
    expect(await hasCaughtUp(testDb.db, 'behind')).toBe(false);
    await checkpointAt('behind', newer);
    expect(await hasCaughtUp(testDb.db, 'behind')).toBe(true);
  });

  it('is where a consumer starting from the end starts', async () => {
    const start = await testDb.db
      .transaction()
      .execute((tx) => lockCheckpoint(tx, 'from-end', 'end'));
    expect(start).toBe(newer);
  });
});
