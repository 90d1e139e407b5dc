import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { launcherEnvSchema } from './launcher-env.js';
import { repoRoot } from './repo-root.js';
import { serverEnvSchema } from './server-env.js';
import { workerEnvSchema } from './worker-env.js';

/** Set by the launcher for each child; not something an operator configures. */
const internal = new Set(['WORKER_ID']);

const schemas = { launcher: launcherEnvSchema, server: serverEnvSchema, worker: workerEnvSchema };
const variables = [
  ...new Set(Object.values(schemas).flatMap((schema) => Object.keys(schema.shape))),
].filter((name) => !internal.has(name));

/** The README's Configuration table: variable → its default cell. */
async function documented(): Promise<Map<string, string>> {
  const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const rows = section.slice(0, section.indexOf('\n## ')).split('\n');
  const table = new Map<string, string>();
  for (const row of rows) {
    // Cells are padded to the widest (prettier aligns Markdown tables).
    const match = /^\| `([A-Z0-9_]+)` *\| ([^|]*) \|/.exec(row);
    if (match?.[1] && match[2] !== undefined) table.set(match[1], match[2].trim());
  }
  return table;
}

/**
 * The configuration reference (README, "Configuration") is checked against the schemas
 * the processes actually parse: every variable documented, no stale rows, every
 * scalar default as the schema has it, and every variable passed through by `pnpm start`.
 */
describe('configuration reference', () => {
  it('documents every variable the launcher, server and worker read, and no other', async () => {
    const table = await documented();
    expect([...table.keys()].sort()).toEqual([...variables].sort());
  });

  it('gives each scalar default as the schemas do', async () => {
    const table = await documented();
    const defaults = new Map<string, unknown>();
    for (const schema of Object.values(schemas)) {
      for (const [name, value] of Object.entries(schema.parse({}))) {
        if (typeof value === 'number' || typeof value === 'string') defaults.set(name, value);
      }
    }
    // Defaults that depend on the machine or are resolved at start are described in words.
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'TIDELINE_DATA_DIR']) defaults.delete(name);
    const mismatches = [...defaults]
      .filter(([name, value]) => table.get(name) !== `\`${value}\``)
      .map(
        ([name, value]) => `${name}: README says ${table.get(name)}, schema default \`${value}\``,
      );
    expect(mismatches).toEqual([]);
  });

  it('passes every variable through `pnpm start` (turbo)', async () => {
    const turbo = JSON.parse(await readFile(path.join(repoRoot, 'turbo.json'), 'utf8')) as {
      globalEnv: string[];
      tasks: { start: { passThroughEnv: string[] } };
    };
    const passed = new Set([...turbo.globalEnv, ...turbo.tasks.start.passThroughEnv]);
    expect(variables.filter((name) => !passed.has(name))).toEqual([]);
  });
});
