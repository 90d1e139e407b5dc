import { defineConfig } from 'vitest/config';

/**
 * The test settings every package shares: its `src/**\/*.test.ts`, each file in its own
 * process (integration tests hold connections and child processes), and timeouts that
 * leave room for real PostgreSQL and Redis work.
 */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
