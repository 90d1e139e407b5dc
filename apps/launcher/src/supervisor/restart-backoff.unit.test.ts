import { describe, expect, it } from 'vitest';
import { FIRST_RESTART_DELAY_MS, MAX_RESTART_DELAY_MS, restartDelay } from './restart-backoff.js';

describe('restartDelay', () => {
  it('doubles after each quick crash', () => {
    expect([0, 1, 2, 3].map(restartDelay)).toEqual(
      [1, 2, 4, 8].map((n) => n * FIRST_RESTART_DELAY_MS),
    );
  });

  it('never waits longer than the cap', () => {
    expect(restartDelay(50)).toBe(MAX_RESTART_DELAY_MS);
  });
});
