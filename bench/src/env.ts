import { parseArgs } from 'node:util';

// The one place the bench reads its configuration.
// `pnpm bench -- --quick` reaches us through turbo as `-- --quick`.
const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } },
  strict: true,
});

export const benchEnv = {
  /** Where the bench may create and drop its own database. */
  adminUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  /** Redis for the fan-out suite; it only touches keys under its own random prefix. */
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  quick: values.quick === true || process.env.BENCH_QUICK === '1',
  /** `--only fanout` runs one suite (for working on it); default all. */
  only: values.only,
};
