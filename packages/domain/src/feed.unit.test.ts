import { describe, expect, it } from 'vitest';
import { feedRefSchema, feedSchema, formatFeed, parseFeed } from './feed.js';
import { rejectionCases, rejectionOf } from './test-helpers.js';
import { parseInput } from './validate.js';

describe('feed', () => {
  it.each([
    'user:ana',
    'timeline_aggregated:ana',
    'notification:Bob_the-2nd',
    `user:${'a'.repeat(128)}`,
    `${'g'.repeat(64)}:x`,
  ])('given %s, when parsed, then it is accepted unchanged', (feed) => {
    expect(parseInput(feedSchema, feed)).toBe(feed);
  });

  it.each(
    rejectionCases([
      ['no colon', 'userana', 'must be a feed like group:id'],
      ['an empty id', 'user:', 'must be a feed like group:id'],
      ['an empty group', ':ana', 'must be a feed like group:id'],
      ['an uppercase group', 'User:ana', 'must be a feed like group:id'],
      ['a second colon', 'user:ana:x', 'must be a feed like group:id'],
      ['a space in the id', 'user:an a', 'must be a feed like group:id'],
      ['an id over 128 characters', `user:${'a'.repeat(129)}`, 'must be a feed like group:id'],
      ['a group over 64 characters', `${'g'.repeat(65)}:a`, 'must be a feed like group:id'],
      ['a number', 42, 'must be a string'],
      ['nothing', undefined, 'is required'],
    ]),
  )('given %s, when parsed, then it is rejected with "%s"', (_case, message, input) => {
    expect(rejectionOf(feedSchema, input)).toBe(message);
  });

  it('given a feed string, when parsed as a reference, then it splits into group and id', () => {
    expect(parseInput(feedRefSchema, 'timeline:ana')).toEqual({ group: 'timeline', id: 'ana' });
  });

  it('given a feed string, when parseFeed is called, then it returns group and id', () => {
    expect(parseFeed('notification:bob')).toEqual({ group: 'notification', id: 'bob' });
  });

  it('given a malformed feed string, when parseFeed is called, then it throws VALIDATION_FAILED', () => {
    expect(() => parseFeed('nope')).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        message: 'feed: must be a feed like group:id',
      }),
    );
  });

  it('given group and id, when formatFeed is called, then it joins them with a colon', () => {
    expect(formatFeed({ group: 'user', id: 'bob' })).toBe('user:bob');
  });

  it('given a feed, when formatted and parsed again, then it round-trips', () => {
    expect(formatFeed(parseFeed('timeline_aggregated:a-b_c'))).toBe('timeline_aggregated:a-b_c');
  });

  it('given a bad group and a bad id, when formatFeed is called, then both parts are named', () => {
    expect(() => formatFeed({ group: 'User', id: 'a:b' })).toThrow(
      'group: must be 1 to 64 lowercase letters, digits or _; id: must be 1 to 128 letters, digits, _ or -',
    );
  });
});
