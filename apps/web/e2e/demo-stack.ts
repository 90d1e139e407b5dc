import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RateLimitConfig } from '@tideline/api';
import { ensureDemoData } from '@tideline/demo-data';
import { startTestServer, type TestServer } from '@tideline/test-server';
import { build } from 'vite';

const webRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * The whole stack for the browser tests: the web app built from the current source into a
 * temporary folder, and the real API server as its own process (its own PostgreSQL
 * database and Redis key prefix; the feed projector and a fan-out worker in this process)
 * serving it at `/`, in demo mode, with the demo users created. `rateLimits` default to
 * none.
 */
export async function startDemoStack(
  label: string,
  options: { rateLimits?: RateLimitConfig } = {},
): Promise<TestServer> {
  const outDir = await mkdtemp(path.join(tmpdir(), 'tideline-web-e2e-'));
  // Vitest sets NODE_ENV=test, which would build React's development runtime; the app is
  // tested as it ships.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      root: webRoot,
      configFile: path.join(webRoot, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true, sourcemap: false },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  const server = await startTestServer(label, { ...options, webAppDir: outDir, demo: true });
  await ensureDemoData(server.harness.testDb.db);
  await server.harness.quiesce();
  return {
    ...server,
    async close() {
      await server.close();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}
