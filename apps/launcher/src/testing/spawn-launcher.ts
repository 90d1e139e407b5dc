import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { childProcessEnv } from '../env.js';

const mainFile = fileURLToPath(new URL('../main.ts', import.meta.url));

/**
 * `pnpm start`'s launcher as a child process with `env` added to this one's; its stdout and
 * stderr are appended to `output` as they come.
 *
 * @example
 * const child = spawnLauncher({ PORT: '4000', DATABASE_URL: url }, output);
 */
export function spawnLauncher(env: Record<string, string>, output: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', mainFile], {
    cwd: path.dirname(path.dirname(mainFile)),
    env: childProcessEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  return child;
}
