import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The import rules of layers.jsonc, checked against the order they are meant to enforce.
 * Each case is a one-import file at a path inside an app or a package, written into a
 * temporary copy of the repository's Biome configuration and linted there with the real
 * biome binary: a file on stdin (`--stdin-file-path`) would do, but Biome prints no
 * diagnostics in stdin mode, only the exit code.
 */
const apps = ['cli', 'launcher', 'server', 'web', 'worker'];
/** Each package may import only those before it; config comes before all and imports none. */
const order = [
  'domain',
  'event-store',
  'fanout',
  'feeds',
  'realtime',
  'api',
  'local-stack',
  'process-env',
  'demo-data',
  'test-server',
  'client',
];
const RULE = 'lint/style/noRestrictedImports';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
const configFiles = ['biome.json', 'tooling/biome/biome.json', 'tooling/biome/layers.jsonc'];

interface Case {
  /** Where the importing file sits, relative to the repository root. */
  file: string;
  source: string;
  allowed: boolean;
}

const importing = (specifier: string) =>
  `import { x } from '${specifier}';\nexport const y = [x];\n`;

function mayImport(from: string, to: string): boolean {
  if (to === 'config') return true;
  if (from === 'config') return false;
  return order.indexOf(to) < order.indexOf(from);
}

function cases(): Case[] {
  const all: Case[] = [];
  const add = (folder: string, target: string, allowed: boolean) =>
    all.push({
      file: `${folder}/src/imports-${target}.ts`,
      source: importing(`@tideline/${target}`),
      allowed,
    });
  for (const folder of [...apps.map((app) => `apps/${app}`), 'bench']) {
    for (const app of apps) add(folder, app, false);
    for (const pkg of ['config', ...order]) add(folder, pkg, true);
  }
  for (const from of ['config', ...order]) {
    for (const app of apps) add(`packages/${from}`, app, false);
    for (const to of ['config', ...order])
      if (to !== from) add(`packages/${from}`, to, mayImport(from, to));
  }
  // Every way of naming a module counts, subpaths too; running an app by path does not.
  const server = (file: string, source: string, allowed = false) =>
    all.push({ file, source, allowed });
  server('apps/web/e2e/subpath.ts', importing('@tideline/server/testing'));
  server(
    'apps/launcher/src/type-only.ts',
    "import type { X } from '@tideline/server';\nexport type Y = X;\n",
  );
  server('apps/launcher/src/re-export.ts', "export { envSchema } from '@tideline/worker/env';\n");
  server('apps/cli/src/dynamic.ts', "export const m = await import('@tideline/launcher');\n");
  server('packages/client/src/relative.ts', importing('../../../apps/server/src/main.js'));
  server(
    'apps/launcher/src/resolve.ts',
    "export const main = import.meta.resolve('@tideline/server/main');\n",
    true,
  );
  return all;
}

function lint(cwd: string, targets: string[]) {
  const run = spawnSync(
    process.execPath,
    [
      biome,
      'lint',
      '--vcs-enabled=false',
      '--reporter=github',
      '--max-diagnostics=none',
      ...targets,
    ],
    { cwd, encoding: 'utf8' },
  );
  const flagged = new Set<string>();
  for (const line of run.stdout.split('\n')) {
    const match = /^::error title=([^,]+),file=([^,]+),/.exec(line);
    if (match?.[1] === RULE && match[2]) flagged.add(path.relative(cwd, match[2]));
  }
  return { status: run.status, flagged, output: `${run.stdout}${run.stderr}` };
}

describe('import layering (layers.jsonc)', () => {
  let dir: string;
  const all = cases();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tideline-layers-'));
    for (const file of configFiles) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await copyFile(path.join(repoRoot, file), path.join(dir, file));
    }
    for (const { file, source } of all) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), source);
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('fails an app importing another app, naming the rule, and passes it importing a package', () => {
    const bad = lint(dir, ['apps/cli/src/imports-launcher.ts']);
    const good = lint(dir, ['apps/cli/src/imports-local-stack.ts']);

    expect(bad.status).not.toBe(0);
    expect(bad.output).toContain(RULE);
    expect(bad.output).toContain('never imports an app');
    expect(good.status, good.output).toBe(0);
  });

  it('flags exactly the imports against the order, in every app and package', () => {
    const { flagged, output } = lint(dir, ['apps', 'bench', 'packages']);

    const expected = all.filter((c) => !c.allowed).map((c) => c.file);
    expect(flagged.size, output).toBeGreaterThan(0);
    expect([...flagged].sort()).toEqual(expected.sort());
  });
});
