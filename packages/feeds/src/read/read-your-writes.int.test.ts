import { encodePosition } from '@tideline/event-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedHarness, type FeedHarness } from '../testing/feed-harness.js';
import { addActivity } from '../write/add-activities.js';
import { follow, unfollow } from '../write/follow-feeds.js';
import { removeActivity } from '../write/remove-activity.js';
import { updateActivity } from '../write/update-activity.js';

/**
 * docs/product.md §3 read-your-writes: a read passing the `position` a write returned reflects that
 * write — with no quiescing in between, while the projector and fan-out still run.
 */

let h: FeedHarness;
beforeAll(async () => {
  h = await createFeedHarness('ryw', { fanoutThreshold: 1 });
  h.start();
});
afterAll(() => h.destroy());

const db = () => h.testDb.db;
const post = (actor: string, object: string) => ({ actor, verb: 'post', object });
const idsOf = (page: { results: { id: string }[] }) => page.results.map((a) => a.id);

describe('read-your-writes', () => {
  it('given an add, when the author’s feed is read at its position, then the new activity is there', async () => {
    await h.reader.readFeed('user:ryw-ana');
    const { activity, position } = await addActivity(db(), 'user:ryw-ana', post('ana', 'p:1'));

    const page = await h.reader.readFeed('user:ryw-ana', { minPosition: position });

    expect(idsOf(page)).toEqual([activity.id]);
  });

  it('given a live follower, when the author adds and the follower reads at that position, then the post is in the timeline', async () => {
    await h.reader.readFeed('timeline:ryw-fan');
    await follow(db(), { source: 'timeline:ryw-fan', target: 'user:ryw-bob' });
    const { activity, position } = await addActivity(db(), 'user:ryw-bob', post('bob', 'p:1'));

    const page = await h.reader.readFeed('timeline:ryw-fan', { minPosition: position });

    expect(idsOf(page)).toEqual([activity.id]);
  });

  it('given fan-out workers that have not run yet, when a follower reads at the post’s position, then the post is there', async () => {
    await h.reader.readFeed('timeline:ryw-lag');
    await follow(db(), { source: 'timeline:ryw-lag', target: 'user:ryw-lag' });
    await h.stopWorkers();
    try {
      const { activity, position } = await addActivity(db(), 'user:ryw-lag', post('lag', 'p:1'));

      const page = await h.reader.readFeed('timeline:ryw-lag', { minPosition: position });

      expect(idsOf(page)).toEqual([activity.id]);
    } finally {
      h.startWorkers();
    }
  });

  it('given a follow of a feed with posts, when the follower reads at the follow’s position, then the copied posts are there', async () => {
    const earlier = await addActivity(db(), 'user:ryw-carl', post('carl', 'p:1'));
    await h.reader.readFeed('timeline:ryw-new');
    const { position } = await follow(db(), {
      source: 'timeline:ryw-new',
      target: 'user:ryw-carl',
    });

    const page = await h.reader.readFeed('timeline:ryw-new', { minPosition: position });

    expect(idsOf(page)).toEqual([earlier.activity.id]);
  });

  it('given a read-fanned author, when it adds and a follower reads at that position, then the post is in the timeline', async () => {
    for (const fan of ['timeline:ryw-s1', 'timeline:ryw-s2']) {
      await h.reader.readFeed(fan);
      await follow(db(), { source: fan, target: 'user:ryw-star' });
    }
    const { activity, position } = await addActivity(db(), 'user:ryw-star', post('star', 'p:1'));

    const page = await h.reader.readFeed('timeline:ryw-s2', { minPosition: position });

    expect(idsOf(page)).toEqual([activity.id]);
  });

  it('given an update, when read at its position, then the new extra shows', async () => {
    await h.reader.readFeed('user:ryw-upd');
    const { activity } = await addActivity(db(), 'user:ryw-upd', post('upd', 'p:1'));
    await h.reader.readFeed('user:ryw-upd');
    const { position } = await updateActivity(db(), activity.id, { set: { 'stats.likes': 7 } });

    const page = await h.reader.readFeed('user:ryw-upd', { minPosition: position });

    expect(page.results.map((a) => a.extra)).toEqual([{ stats: { likes: 7 } }]);
  });

  it('given a removal, when a follower reads at its position, then the activity is gone', async () => {
    await h.reader.readFeed('timeline:ryw-rm');
    await follow(db(), { source: 'timeline:ryw-rm', target: 'user:ryw-rm' });
    const { activity } = await addActivity(db(), 'user:ryw-rm', post('rm', 'p:1'));
    await h.quiesce();
    const { position } = await removeActivity(db(), 'user:ryw-rm', { id: activity.id });

    const page = await h.reader.readFeed('timeline:ryw-rm', { minPosition: position });

    expect(idsOf(page)).toEqual([]);
  });

  it('given an unfollow, when the follower reads at its position, then the author’s posts are gone', async () => {
    await h.reader.readFeed('timeline:ryw-un');
    await follow(db(), { source: 'timeline:ryw-un', target: 'user:ryw-un' });
    await addActivity(db(), 'user:ryw-un', post('un', 'p:1'));
    await h.quiesce();
    const { position } = await unfollow(db(), { source: 'timeline:ryw-un', target: 'user:ryw-un' });

    const page = await h.reader.readFeed('timeline:ryw-un', { minPosition: position });

    expect(idsOf(page)).toEqual([]);
  });

  it('given a well-formed minPosition no event of the log has, when read, then it is VALIDATION_FAILED at once', async () => {
    const foreign = encodePosition({ transactionId: 2n ** 40n, sequence: 1n });
    await expect(h.reader.readFeed('user:ryw-ana', { minPosition: foreign })).rejects.toMatchObject(
      {
        code: 'VALIDATION_FAILED',
        message: 'minPosition: is not a position of this log',
      },
    );
  });

  it('given a minPosition that is not a position, when read, then it is VALIDATION_FAILED naming minPosition', async () => {
    await expect(
      h.reader.readFeed('user:ryw-ana', { minPosition: 'yesterday' }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(/minPosition/),
    });
  });
});
