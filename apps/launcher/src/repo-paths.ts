import { fileURLToPath } from 'node:url';

/** The monorepo root, found from this file's location so it holds whatever the cwd. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
