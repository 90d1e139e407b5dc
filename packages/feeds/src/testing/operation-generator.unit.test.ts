import {
  activityInputSchema,
  activityUpdateInputSchema,
  feedSchema,
  followInputSchema,
  followManyInputSchema,
  markInputSchema,
  unfollowInputSchema,
} from '@tideline/domain';
import { describe, expect, it } from 'vitest';
import {
  describeOperations,
  followerCounts,
  generateOperations,
  type Operation,
} from './operation-generator.js';

const seeds = [1, 2, 3, 42, 2024];

/** The schema problems of one operation given the adds before it, or [] when it is valid. */
function problemsOf(operation: Operation, addsBefore: readonly Operation[]): string[] {
  const errors = (result: { error?: { message: string } | undefined }) =>
    result.error === undefined ? [] : [result.error.message];
  switch (operation.kind) {
    case 'add':
      return [
        ...errors(feedSchema.safeParse(operation.feed)),
        ...errors(activityInputSchema.safeParse(operation.activity)),
      ];
    case 'update': {
      const { set, unset } = operation;
      return [
        ...(addsBefore[operation.pick] === undefined ? ['pick names no earlier add'] : []),
        ...errors(activityUpdateInputSchema.safeParse({ set, unset })),
      ];
    }
    case 'remove': {
      const picked = addsBefore[operation.pick];
      if (picked?.kind !== 'add') return ['pick names no earlier add'];
      return operation.by === 'foreignId' && picked.activity.foreignId === undefined
        ? ['remove by foreignId of an activity without one']
        : [];
    }
    case 'follow': {
      const { kind: _kind, ...follow } = operation;
      return errors(followInputSchema.safeParse(follow));
    }
    case 'unfollow': {
      const { kind: _kind, ...unfollow } = operation;
      return errors(unfollowInputSchema.safeParse(unfollow));
    }
    case 'followMany':
      return errors(followManyInputSchema.safeParse(operation.follows));
    case 'mark': {
      const { kind: _kind, feed, ...mark } = operation;
      return [...errors(feedSchema.safeParse(feed)), ...errors(markInputSchema.safeParse(mark))];
    }
  }
}

function kindsOf(operations: readonly Operation[]): Set<string> {
  return new Set(operations.map((operation) => operation.kind));
}

describe('operation generator', () => {
  it('given the same seed, when generating twice, then the operations are equal', () => {
    const options = { seed: 7, count: 300, users: 8 };
    expect(generateOperations(options)).toEqual(generateOperations(options));
  });

  it('given different seeds, when generating, then the operations differ', () => {
    expect(generateOperations({ seed: 7, count: 100, users: 8 })).not.toEqual(
      generateOperations({ seed: 8, count: 100, users: 8 }),
    );
  });

  it.each(seeds)('given seed %s, when generating, then every operation is valid', (seed) => {
    const operations = generateOperations({ seed, count: 1000, users: 10 });
    const adds: Operation[] = [];
    const problems: string[] = [];
    operations.forEach((operation, index) => {
      for (const problem of problemsOf(operation, adds)) problems.push(`#${index}: ${problem}`);
      if (operation.kind === 'add') adds.push(operation);
    });
    expect(problems).toEqual([]);
  });

  it('given a long run, when generating, then it covers every kind of operation and option', () => {
    const operations = generateOperations({ seed: 3, count: 1000, users: 10 });
    const adds = operations.flatMap((operation) =>
      operation.kind === 'add' ? [operation.activity] : [],
    );
    const keys = adds.map((add) => JSON.stringify(add));
    expect([...kindsOf(operations)].sort()).toEqual(
      ['add', 'follow', 'followMany', 'mark', 'remove', 'unfollow', 'update'].sort(),
    );
    const sources = new Set(
      operations.flatMap((op) => (op.kind === 'follow' ? [op.source.split(':')[0]] : [])),
    );
    expect(sources).toEqual(new Set(['timeline', 'timeline_aggregated', 'notification']));
    const marks = operations.flatMap((op) => (op.kind === 'mark' ? [op.seen, op.read] : []));
    expect(marks).toContain(true);
    expect(
      marks.some((value) => Array.isArray(value) && value.some((id) => id.includes('|'))),
    ).toBe(true);
    expect(adds.some((add) => (add.to?.length ?? 0) > 1)).toBe(true);
    expect(adds.some((add) => add.time === undefined)).toBe(true);
    expect(new Set(keys).size).toBeLessThan(keys.length);
    const unfollows = operations.flatMap((op) => (op.kind === 'unfollow' ? [op.keepHistory] : []));
    expect(new Set(unfollows)).toEqual(new Set([true, false]));
    const removes = operations.flatMap((op) => (op.kind === 'remove' ? [op.by] : []));
    expect(new Set(removes)).toEqual(new Set(['id', 'foreignId']));
  });

  it.each(seeds)(
    'given seed %s and a threshold, when generating, then the author crosses it up and down',
    (seed) => {
      const author = 'user:u0';
      const threshold = 15;
      const operations = generateOperations({
        seed,
        count: 300,
        users: 6,
        thresholdCrossings: { author, threshold },
      });
      const counts = followerCounts(operations, author);
      const above = counts.findIndex((followers) => followers > threshold);
      expect(above).toBeGreaterThanOrEqual(0);
      expect(counts.slice(above).some((followers) => followers < threshold)).toBe(true);
      const authorPosts = operations.filter((op) => op.kind === 'add' && op.feed === author);
      expect(authorPosts.length).toBeGreaterThan(0);
    },
  );

  it('given too few operations for a threshold, when generating, then it says so', () => {
    expect(() =>
      generateOperations({
        seed: 1,
        count: 4,
        users: 4,
        thresholdCrossings: { author: 'user:u0', threshold: 100 },
      }),
    ).toThrow(/too small/);
  });

  it('given operations, when described, then each is one numbered line naming its adds', () => {
    const operations = generateOperations({ seed: 5, count: 50, users: 4 });
    const lines = describeOperations(operations).split('\n');
    expect(lines).toHaveLength(50);
    expect(lines[0]).toMatch(/^ {3}0 add\[0\] /);
  });
});
