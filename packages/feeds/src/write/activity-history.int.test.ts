import {
  createTestDatabase,
  digitBoundary,
  insertEventsAt,
  type TestDatabase,
} from '@tideline/event-store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedMigrations } from '../migrations/index.js';
import { readActivityStates } from './activity-history.js';

/** An activity's state is folded from its events in log order, whatever their transaction ids look like. */

let testDb: TestDatabase<unknown>;
beforeAll(async () => {
  testDb = await createTestDatabase('activity_history', { migrations: feedMigrations });
});
afterAll(() => testDb.destroy());

const activity = (id: string) => ({
  id,
  actor: 'user:ana',
  verb: 'post',
  object: 'post:1',
  time: '2024-05-01T12:00:00.000Z',
  extra: { likes: 1 },
});

describe('folding an activity across a power of ten of transaction ids', () => {
  it('given an add at …99 and an update at …00, then the update is the state', async () => {
    const boundary = await digitBoundary(testDb.db);
    const id = '01HZZZZZZZZZZZZZZZZZZZZZZ1';
    const [, updated] = await insertEventsAt(testDb.db, [
      {
        transactionId: boundary - 1n,
        streamId: 'feed:user:ana',
        streamVersion: 1,
        type: 'ActivityAdded',
        data: activity(id),
      },
      {
        transactionId: boundary,
        streamId: 'feed:user:ana',
        streamVersion: 2,
        type: 'ActivityUpdated',
        data: { id, extra: { likes: 2 } },
      },
    ]);

    const state = (await readActivityStates(testDb.db, [id])).get(id);

    expect(state?.activity.extra).toEqual({ likes: 2 });
    expect(state?.position).toBe(updated);
  });

  it('given an add at …99 and a removal at …00, then the activity is removed', async () => {
    const boundary = await digitBoundary(testDb.db);
    const id = '01HZZZZZZZZZZZZZZZZZZZZZZ2';
    await insertEventsAt(testDb.db, [
      {
        transactionId: boundary - 1n,
        streamId: 'feed:user:bob',
        streamVersion: 1,
        type: 'ActivityAdded',
        data: activity(id),
      },
      {
        transactionId: boundary,
        streamId: 'feed:user:bob',
        streamVersion: 2,
        type: 'ActivityRemoved',
        data: { id },
      },
    ]);

    const state = (await readActivityStates(testDb.db, [id])).get(id);

    expect(state?.removed).toBe(true);
  });
});
