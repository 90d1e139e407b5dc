import { describe, expect, it } from 'vitest';
import {
  type ActivityAdded,
  eventDataSchemas,
  isTidelineEventType,
  type TidelineEvent,
  tidelineEventSchema,
  tidelineEventTypes,
} from './events.js';
import { rejectionCases, rejectionOf } from './test-helpers.js';
import { parseInput } from './validate.js';

const id = '01ARYZ6S41TSV4RRFFQ69G5FAV';
const added: ActivityAdded = {
  type: 'ActivityAdded',
  data: {
    id,
    feed: 'user:ana',
    actor: 'ana',
    verb: 'post',
    object: 'post:1',
    time: '2024-05-01T12:00:00.000Z',
    foreignId: 'p1',
    to: ['notification:bob'],
    extra: { text: 'hi' },
  },
};

const validEvents: TidelineEvent[] = [
  added,
  {
    type: 'ActivityUpdated',
    data: {
      id,
      feed: 'user:ana',
      set: { 'stats.likes': 2 },
      unset: ['tmp'],
      extra: { stats: { likes: 2 } },
    },
  },
  { type: 'ActivityRemoved', data: { id, feed: 'user:ana', foreignId: 'p1' } },
  { type: 'FeedFollowed', data: { source: 'timeline:ana', target: 'user:bob', copyLimit: 100 } },
  {
    type: 'FeedUnfollowed',
    data: { source: 'timeline:ana', target: 'user:bob', keepHistory: false },
  },
  { type: 'FeedMarked', data: { feed: 'notification:ana', seen: true, read: ['g1'] } },
];

describe('events', () => {
  it('given the event type list, when compared with the data schemas, then they name the same types', () => {
    expect(Object.keys(eventDataSchemas)).toEqual([...tidelineEventTypes]);
  });

  it.each(validEvents.map((event) => [event.type, event]))(
    'given a %s event, when parsed, then it is accepted unchanged',
    (_type, event) => {
      expect(parseInput(tidelineEventSchema, event)).toEqual(event);
    },
  );

  it('given a known type name, when checked, then it is recognised', () => {
    expect(isTidelineEventType('FeedFollowed')).toBe(true);
  });

  it('given an unknown type name, when checked, then it is not recognised', () => {
    expect(isTidelineEventType('FeedDeleted')).toBe(false);
  });

  it.each(
    rejectionCases([
      [
        'an unknown type',
        { type: 'FeedDeleted', data: {} },
        'type: must be one of ActivityAdded, ActivityUpdated, ActivityRemoved, FeedFollowed, FeedUnfollowed, FeedMarked',
      ],
      [
        'an added activity without an id',
        { type: 'ActivityAdded', data: { ...added.data, id: undefined } },
        'data.id: is required',
      ],
      [
        'an added activity with a local time',
        { type: 'ActivityAdded', data: { ...added.data, time: '2024-05-01T12:00:00+02:00' } },
        'data.time: must be a UTC ISO 8601 date-time, like 2024-05-01T12:00:00.000Z',
      ],
      [
        'a follow without copyLimit',
        { type: 'FeedFollowed', data: { source: 'timeline:ana', target: 'user:bob' } },
        'data.copyLimit: is required',
      ],
      [
        'an unfollow without keepHistory',
        { type: 'FeedUnfollowed', data: { source: 'timeline:ana', target: 'user:bob' } },
        'data.keepHistory: is required',
      ],
      [
        'a mark with neither seen nor read',
        { type: 'FeedMarked', data: { feed: 'notification:ana' } },
        'data: must give seen or read',
      ],
      [
        'a removal with an unknown field',
        { type: 'ActivityRemoved', data: { id, feed: 'user:ana', reason: 'spam' } },
        'data.reason: is not a known field',
      ],
    ]),
  )('given %s, when parsed, then it is rejected with "%s"', (_case, message, input) => {
    expect(rejectionOf(tidelineEventSchema, input)).toBe(message);
  });
});
