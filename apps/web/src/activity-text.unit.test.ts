import { describe, expect, it } from 'vitest';
import {
  type Activity,
  type ActivityGroup,
  describeActivity,
  describeGroup,
  mentionedUsers,
} from './activity-text';

const users = [
  { id: 'ana', name: 'Ana Ruiz' },
  { id: 'ben', name: 'Ben Okafor' },
  { id: 'cleo', name: 'Cleo Park' },
];

const activity = (fields: Partial<Activity>): Activity => ({
  id: 'a1',
  feed: 'user:ben',
  actor: 'ben',
  verb: 'post',
  object: 'post:1',
  time: '2026-01-01T00:00:00Z',
  to: [],
  extra: {},
  ...fields,
});

const group = (activities: Activity[], actorCount: number): ActivityGroup => ({
  id: 'g1',
  activities,
  activityCount: activities.length,
  actorCount,
  updatedAt: '2026-01-01T00:00:00Z',
  isSeen: false,
  isRead: false,
});

describe('describeActivity', () => {
  it('shows a post by its text', () => {
    expect(describeActivity(activity({ extra: { text: 'hi' } }), users, 'ana')).toBe('hi');
  });

  it('names who was followed, and says "you" to them', () => {
    const follow = activity({ verb: 'follow', object: 'user:cleo' });
    expect(describeActivity(follow, users, 'ana')).toBe('followed Cleo Park');
    expect(describeActivity(follow, users, 'cleo')).toBe('followed you');
  });
});

describe('describeGroup', () => {
  it('aggregates follows by actor count', () => {
    const follows = [
      activity({ actor: 'ana', verb: 'follow', object: 'user:cleo' }),
      activity({ actor: 'ben', verb: 'follow', object: 'user:cleo' }),
    ];
    expect(describeGroup(group(follows.slice(0, 1), 1), users)).toBe('Ana Ruiz followed you');
    expect(describeGroup(group(follows, 2), users)).toBe('Ana Ruiz and Ben Okafor followed you');
    expect(describeGroup(group(follows, 5), users)).toBe('Ana Ruiz and 4 others followed you');
  });

  it('quotes the newest mention', () => {
    const mention = activity({ actor: 'ben', extra: { text: 'hey @ana' } });
    expect(describeGroup(group([mention], 1), users)).toBe('Ben Okafor mentioned you: “hey @ana”');
  });
});

describe('mentionedUsers', () => {
  it('finds demo users mentioned as @id, once each, never the author', () => {
    expect(mentionedUsers('@ben and @cleo, @ben again, @ana, @nobody', users, 'ana')).toEqual([
      'ben',
      'cleo',
    ]);
  });
});
