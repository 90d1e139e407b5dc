import { describe, expect, it } from 'vitest';
import {
  defaultFeedGroups,
  feedGroupConfigSchema,
  feedGroupConfigsSchema,
  findFeedGroup,
  followableGroupNames,
  isFollowable,
  readersOf,
} from './feed-groups.js';
import { rejectionCases, rejectionOf } from './test-helpers.js';
import { parseInput } from './validate.js';

describe('feed groups', () => {
  it('given the defaults, when listed, then they are the four groups of docs/product.md §1 with their keys', () => {
    expect(defaultFeedGroups).toEqual([
      { name: 'user', kind: 'flat', followable: true, readers: 'anyone' },
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

  it('given the defaults, when asked who may follow and read, then only user feeds are open', () => {
    const rules = defaultFeedGroups.map((group) => [
      group.name,
      isFollowable(group),
      readersOf(group),
    ]);
    expect(rules).toEqual([
      ['user', true, 'anyone'],
      ['timeline', false, 'owner'],
      ['timeline_aggregated', false, 'owner'],
      ['notification', false, 'owner'],
    ]);
    expect(followableGroupNames(defaultFeedGroups)).toEqual(['user']);
  });

  it('given a group that declares nothing, when asked, then it is neither followable nor open', () => {
    const group = parseInput(feedGroupConfigSchema, { name: 'posts', kind: 'flat' });
    expect([isFollowable(group), readersOf(group)]).toEqual([false, 'owner']);
  });

  it('given a group that is not configured, when asked, then it is neither followable nor open', () => {
    expect([isFollowable(undefined), readersOf(undefined)]).toEqual([false, 'owner']);
  });

  it('given a followable private flat group and an open notification group, when parsed, then both declarations are kept', () => {
    const groups = [
      { name: 'protected', kind: 'flat', followable: true, readers: 'owner' },
      { name: 'board', kind: 'notification', readers: 'anyone' },
    ];
    const parsed = parseInput(feedGroupConfigsSchema, groups);
    expect(parsed.map((group) => [isFollowable(group), readersOf(group)])).toEqual([
      [true, 'owner'],
      [false, 'anyone'],
    ]);
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
        'a followable aggregated group',
        { name: 'x', kind: 'aggregated', followable: true },
        'followable: only flat groups can be followed',
      ],
      [
        'a followable notification group',
        { name: 'x', kind: 'notification', followable: true },
        'followable: only flat groups can be followed',
      ],
      [
        'unknown readers',
        { name: 'x', kind: 'flat', readers: 'followers' },
        'readers: must be "owner" or "anyone"',
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
