import { SingleBar } from 'cli-progress';
import type { CheckResult } from './checks/index.js';

/** Where a command writes: stdout for results, stderr for progress. Tests pass their own. */
export interface Output {
  line(text: string): void;
  /** A progress bar over `total` steps; draws only on a terminal. */
  progress(label: string, total: number, unit?: string): Progress;
}

export interface Progress {
  update(done: number): void;
  stop(): void;
}

/** Writes to the process's streams; bars go to stderr when it is a terminal. */
export function consoleOutput(options: { tty: boolean }): Output {
  return {
    line: (text) => process.stdout.write(`${text}\n`),
    progress(label, total, unit = 'events') {
      if (!options.tty) return { update() {}, stop() {} };
      const bar = new SingleBar({
        format: `${label} [{bar}] {percentage}% {value}/{total} ${unit}`,
        hideCursor: true,
        clearOnComplete: false,
        stream: process.stderr,
      });
      bar.start(total, 0);
      return {
        update: (done) => bar.update(done),
        stop: () => bar.stop(),
      };
    },
  };
}

/** Collects lines in memory, for tests. */
export function memoryOutput(): Output & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    line: (text) => lines.push(text),
    progress: () => ({ update() {}, stop() {} }),
  };
}

const marks = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

/** One line per check: `ok   redis: reachable — PING answered`. */
export function formatResult(result: CheckResult): string {
  return `${marks[result.status]} ${result.name} — ${result.message}`;
}
