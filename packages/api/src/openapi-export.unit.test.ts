import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from './openapi.js';

const exported = fileURLToPath(new URL('../../../docs/openapi.json', import.meta.url));

/**
 * docs/openapi.json is the REST contract partners read without running the server. It is
 * generated from the router; this test fails when the committed copy drifts, and
 * `UPDATE_DOCS=1 pnpm --filter @tideline/api test` rewrites it.
 */
describe('docs/openapi.json', () => {
  it('matches the document the router generates', async () => {
    const current = `${JSON.stringify(openApiDocument('/api/v1'), null, 2)}\n`;
    if (process.env.UPDATE_DOCS === '1') await writeFile(exported, current);
    const committed = await readFile(exported, 'utf8').catch(() => '');
    expect(
      committed === current,
      'docs/openapi.json is out of date: run UPDATE_DOCS=1 pnpm --filter @tideline/api test',
    ).toBe(true);
  });
});
