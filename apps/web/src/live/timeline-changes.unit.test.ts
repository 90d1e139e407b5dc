import { describe, expect, it } from 'vitest';
import type { Activity } from '../activity-text';
import { applyToPages } from './timeline-changes';

const activity = (id: string, text: string): Activity => ({
  id,
  feed: 'user:ben',
  actor: 'ben',
  verb: 'post',
  object: `post:${id}`,
  time: '2026-01-01T00:00:00Z',
  to: [],
  extra: { text },
});

const pages = {
  pageParams: [null, 'c1'],
  pages: [
    { kind: 'flat' as const, results: [activity('a', 'one'), activity('b', 'two')], next: 'c1' },
    { kind: 'flat' as const, results: [activity('c', 'three')], next: null },
  ],
};

describe('applyToPages', () => {
  it('drops a removed activity from whichever page holds it', () => {
    const after = applyToPages(pages, { removed: 'b' });

    expect(after?.pages.map((page) => page.results.map((entry) => entry.id))).toEqual([
      ['a'],
      ['c'],
    ]);
    expect(after?.pages[1]).toBe(pages.pages[1]);
  });

  it('shows an updated activity in its place', () => {
    const after = applyToPages(pages, { updated: activity('c', 'three, edited') });

    expect(after?.pages[1]?.results).toEqual([activity('c', 'three, edited')]);
    expect(after?.pages[0]).toBe(pages.pages[0]);
  });

  it('leaves an unloaded timeline alone', () => {
    expect(applyToPages(undefined, { removed: 'a' })).toBeUndefined();
  });
});
