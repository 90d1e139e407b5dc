import { describeError } from './checks/check.js';
import { interactive, targetFromEnv } from './env.js';
import { consoleOutput } from './output.js';
import { buildProgram, ExitError } from './program.js';

const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());

const program = buildProgram(
  () => targetFromEnv(),
  consoleOutput({ tty: interactive() }),
  stop.signal,
);
try {
  await program.parseAsync(process.argv);
} catch (error) {
  const command = process.argv
    .slice(2)
    .filter((arg) => !arg.startsWith('-'))
    .slice(0, 2)
    .join(' ');
  process.stderr.write(`feed ${command}: ${describeError(error)}\n`);
  process.exitCode = error instanceof ExitError ? error.exitCode : 1;
}
// Nothing should linger, but an open handle in a library must not keep a CLI alive.
setTimeout(() => process.exit(), 500).unref();
