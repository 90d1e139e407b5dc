import base from '@tideline/vitest-config';
import { defineConfig, mergeConfig } from 'vitest/config';

/** Unit tests next to the code, and the browser end-to-end tests in e2e/. */
export default mergeConfig(
  base,
  defineConfig({
    test: { include: ['src/**/*.test.ts', 'e2e/**/*.test.ts'], testTimeout: 120_000 },
  }),
);
