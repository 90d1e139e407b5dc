import { describe, expect, it } from 'vitest';
import {
  defaultFeedGroups,
  feedGroupConfigSchema,
  feedGroupConfigsSchema,
  findFeedGroup,
} from './feed-groups.js';
import { rejectionCases, rejectionOf } from './test-helpers.js';
import { parseInput } from './validate.js';

describe('feed groups', () => {
  it('given the defaults, when listed, then they are the four SPEC groups with their keys', () => {
    expect(defaultFeedGroups).toEqual([
      { name: 'user', kind: 'flat' },
      { name: 'timeline', kind: 'flat' },
      { name: 'timeline_aggregated', kind: 'aggregated', aggregationKey: ['verb', 'day'] },
      { name: 'notification', kind: 'notification', aggregationKey: ['verb', 'object', 'day'] },
    ]);
  });

  it('given the defaults, when parsed as a configuration, then they are valid', () => {
    expect(parseInput(feedGroupConfigsSchema, defaultFeedGroups)).toEqual(defaultFeedGroups);
  });

  it('given an aggregated group without a key, when parsed, then it gets verb + day', () => {
    expect(parseInput(feedGroupConfigSchema, { name: 'likes', kind: 'aggregated' })).toEqual({
      name: 'likes',
      kind: 'aggregated',
      aggregationKey: ['verb', 'day'],
    });
  });

  it('given a notification group without a key, when parsed, then it gets verb + object + day', () => {
    expect(parseInput(feedGroupConfigSchema, { name: 'alerts', kind: 'notification' })).toEqual({
      name: 'alerts',
      kind: 'notification',
      aggregationKey: ['verb', 'object', 'day'],
    });
  });

  it('given an explicit key, when parsed, then it is kept in order', () => {
    const config = { name: 'digest', kind: 'aggregated', aggregationKey: ['actor', 'verb'] };
    expect(parseInput(feedGroupConfigSchema, config)).toEqual(config);
  });

  it('given a configured name, when looked up, then its config is returned', () => {
    expect(findFeedGroup(defaultFeedGroups, 'timeline')).toEqual({
      name: 'timeline',
      kind: 'flat',
    });
  });

  it('given an unknown name, when looked up, then nothing is returned', () => {
    expect(findFeedGroup(defaultFeedGroups, 'missing')).toBeUndefined();
  });

  it.each(
    rejectionCases([
      ['not an object', 'user', 'must be an object'],
      [
        'an unknown kind',
        { name: 'x', kind: 'ranked' },
        'kind: must be one of flat, aggregated or notification',
      ],
      ['no kind', { name: 'x' }, 'kind: must be one of flat, aggregated or notification'],
      ['no name', { kind: 'flat' }, 'name: is required'],
      [
        'an uppercase name',
        { name: 'Timeline', kind: 'flat' },
        'name: must be 1 to 64 lowercase letters, digits or _',
      ],
      [
        'a name over 64 characters',
        { name: 'n'.repeat(65), kind: 'flat' },
        'name: must be 1 to 64 lowercase letters, digits or _',
      ],
      [
        'a key on a flat group',
        { name: 'x', kind: 'flat', aggregationKey: ['verb'] },
        'aggregationKey: is not a known field',
      ],
      [
        'an empty key',
        { name: 'x', kind: 'aggregated', aggregationKey: [] },
        'aggregationKey: must not be empty',
      ],
      [
        'an unknown key part',
        { name: 'x', kind: 'aggregated', aggregationKey: ['verb', 'hour'] },
        'aggregationKey[1]: must be one of "verb", "object", "actor", "target", "day"',
      ],
      [
        'a repeated key part',
        { name: 'x', kind: 'notification', aggregationKey: ['verb', 'day', 'verb'] },
        'aggregationKey[2]: must not repeat "verb"',
      ],
      [
        'an unknown field',
        { name: 'x', kind: 'aggregated', ranking: 'popular' },
        'ranking: is not a known field',
      ],
    ]),
  )(
    'given %s, when a group config is parsed, then it is rejected with "%s"',
    (_case, message, input) => {
      expect(rejectionOf(feedGroupConfigSchema, input)).toBe(message);
    },
  );

  it.each(
    rejectionCases([
      ['no groups', [], 'must not be empty'],
      [
        'a repeated name',
        [
          { name: 'user', kind: 'flat' },
          { name: 'user', kind: 'aggregated' },
        ],
        '[1].name: must not repeat "user"',
      ],
    ]),
  )(
    'given %s, when a configuration is parsed, then it is rejected with "%s"',
    (_case, message, input) => {
      expect(rejectionOf(feedGroupConfigsSchema, input)).toBe(message);
    },
  );
});
