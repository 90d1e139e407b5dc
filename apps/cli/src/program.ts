import { Command, InvalidArgumentError, Option } from 'commander';
import { benchSuites, runBench } from './commands/bench.js';
import { doctor } from './commands/doctor.js';
import { init } from './commands/init.js';
import { rebuild } from './commands/rebuild.js';
import { seedSocialGraph } from './commands/sample-source.js';
import { tailEvents } from './commands/tail.js';
import { connectDatabase } from './connections.js';
import type { Target } from './env.js';
import type { Output } from './output.js';

/** Thrown by a command to exit 1 with its own report already printed. */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 100_000) {
    throw new InvalidArgumentError('expected a whole number from 1 to 100000');
  }
  return value;
}

/**
 * The `feed` command line. `target` is read lazily so `--help` works without a valid
 * environment.
 *
 * @example
 * await buildProgram(() => targetFromEnv(), output).parseAsync(process.argv);
 */
export function buildProgram(target: () => Target, output: Output, signal?: AbortSignal): Command {
  const program = new Command('feed')
    .description(
      'Operate a Tideline stack: set it up, check it, rebuild and seed it, watch its log.',
    )
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      '\nEnvironment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/tideline),\nREDIS_URL (default redis://127.0.0.1:6379), and the feed variables such as REDIS_KEY_PREFIX.',
    );

  program
    .command('init')
    .description(
      'create the database if missing, apply migrations, apply infra/redis.conf runtime settings (CONFIG SET) and verify them, add a sample event source; idempotent',
    )
    .option('--no-sample', 'skip the sample users, follows and activities')
    .action(async (options: { sample: boolean }) => {
      await init(target(), output, { sample: options.sample });
      output.line('init: done');
    });

  program
    .command('doctor')
    .description('check the PostgreSQL schema and the Redis configuration; exits 1 on any failure')
    .action(async () => {
      const { failed } = await doctor(target(), output);
      if (failed > 0) throw new ExitError(`${failed} check(s) failed`);
    });

  program
    .command('rebuild')
    .description(
      'reset a projection and replay the whole log into it, then drop the Redis feed keys so timelines regenerate; refuses while a worker runs the consumer',
    )
    .argument('[consumer]', 'the consumer to rebuild', 'feeds')
    .action(async (consumer: string) => {
      await rebuild(target(), consumer, output);
    });

  program
    .command('seed')
    .description('append a sample social graph (users, follows, activities) through the commands')
    .requiredOption('--users <n>', 'how many users', positiveInteger)
    .option('--following <n>', 'follows per user', positiveInteger, 3)
    .option('--activities <n>', 'activities per user', positiveInteger, 2)
    .option('--prefix <name>', 'user names are <prefix>-1, <prefix>-2, …', 'seed')
    .action(
      async (options: { users: number; following: number; activities: number; prefix: string }) => {
        const db = connectDatabase(target().databaseUrl);
        try {
          const result = await seedSocialGraph(
            db,
            {
              users: options.users,
              prefix: options.prefix,
              following: options.following,
              perUser: options.activities,
            },
            output,
          );
          output.line(
            `seed: ${result.users} users, ${result.follows} new follows, ${result.activities} new activities`,
          );
        } finally {
          await db.destroy();
        }
      },
    );

  program
    .command('bench')
    .description(
      'run the benchmarks (bench/README.md): figures with baselines, written to bench/results/latest.* on a full run',
    )
    .option('--quick', 'smaller data, about a minute', false)
    .addOption(
      new Option('--only <suite>', 'one suite; does not write the results files').choices(
        benchSuites,
      ),
    )
    .action(async (options: { quick: boolean; only?: string }) => {
      const code = await runBench(options);
      if (code !== 0) throw new ExitError(`the benchmarks exited with code ${code}`, code);
    });

  const events = program.command('events').description('the event log');
  events
    .command('tail')
    .description('print events as they are appended, following the log until interrupted')
    .addOption(
      new Option('--from <where>', 'begin at the start of the log or its end')
        .choices(['start', 'end'])
        .default('end'),
    )
    .option('--count <n>', 'stop after this many events', positiveInteger)
    .option('--json', 'one JSON object per event')
    .action(async (options: { from: 'start' | 'end'; count?: number; json?: boolean }) => {
      await tailEvents(
        target(),
        {
          from: options.from,
          ...(options.count === undefined ? {} : { count: options.count }),
          json: options.json === true,
          ...(signal ? { signal } : {}),
        },
        output,
      );
    });

  return program;
}
