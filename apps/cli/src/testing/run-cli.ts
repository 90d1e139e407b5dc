import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inheritedEnv } from '../env.js';

export const cliDir = fileURLToPath(new URL('../../', import.meta.url));
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const mainPath = fileURLToPath(new URL('../main.ts', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `file args…` to completion with `env` over this process's environment. */
export function runFile(
  file: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  options: { cwd?: string } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: options.cwd ?? cliDir, env: inheritedEnv(env), timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** Runs the CLI as a child process, as `pnpm feed` would, to its exit. */
export function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<CliRun> {
  return runFile(process.execPath, ['--import', 'tsx', mainPath, ...args], env);
}

/** Starts the CLI as a child process that keeps running (for `events tail`). */
export function startCli(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', mainPath, ...args], {
    cwd: cliDir,
    env: inheritedEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
