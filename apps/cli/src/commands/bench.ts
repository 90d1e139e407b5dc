import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The suites `pnpm bench` knows (bench/src/main.ts). */
export const benchSuites = ['event-store', 'fanout', 'notifications', 'api', 'audit'] as const;

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** The command `feed bench` runs: the benchmark package, as `pnpm bench` runs it. */
export function benchCommand(options: { quick: boolean; only?: string | undefined }): string[] {
  return [
    'pnpm',
    '--filter',
    '@tideline/bench',
    'bench',
    '--',
    ...(options.quick ? ['--quick'] : []),
    ...(options.only === undefined ? [] : ['--only', options.only]),
  ];
}

/**
 * Runs the benchmarks (bench/README.md) against DATABASE_URL/REDIS_URL, streaming their
 * progress; resolves with their exit code. A full run writes bench/results/latest.*.
 */
export function runBench(options: { quick: boolean; only?: string | undefined }): Promise<number> {
  const [command = 'pnpm', ...args] = benchCommand(options);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
