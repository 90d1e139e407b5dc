import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { benchCommand } from './commands/bench.js';
import { targetFromEnv } from './env.js';
import { memoryOutput } from './output.js';
import { buildProgram } from './program.js';
import { missingKeyspaceFlags, readRedisConf, runtimeSettings } from './redis-conf.js';

function leaves(command: Command): Command[] {
  return command.commands.length === 0 ? [command] : command.commands.flatMap(leaves);
}

describe('the feed program', () => {
  it('has help for every command', () => {
    const program = buildProgram(() => {
      throw new Error('help must not read the environment');
    }, memoryOutput());
    const names = leaves(program).map((c) => c.name());
    expect(names).toEqual(['init', 'doctor', 'rebuild', 'seed', 'bench', 'tail']);
    for (const command of leaves(program)) {
      const help = command.helpInformation();
      expect(help).toContain(
        `Usage: feed ${command.parent?.name() === 'events' ? 'events ' : ''}${command.name()}`,
      );
      expect(help).toContain(command.description().slice(0, 30));
    }
  });
});

describe('feed bench', () => {
  it('runs the benchmark package with the options given', () => {
    expect(benchCommand({ quick: true, only: 'api' }).join(' ')).toBe(
      'pnpm --filter @tideline/bench bench -- --quick --only api',
    );
    expect(benchCommand({ quick: false }).join(' ')).toBe('pnpm --filter @tideline/bench bench --');
  });

  it('refuses an unknown suite before running anything', async () => {
    const output = memoryOutput();
    const program = buildProgram(() => targetFromEnv({}), output).exitOverride();
    for (const command of program.commands) {
      command.exitOverride().configureOutput({ writeErr: () => {} });
    }
    await expect(
      program.parseAsync(['node', 'feed', 'bench', '--only', 'nosuch']),
    ).rejects.toMatchObject({ code: 'commander.invalidArgument' });
  });
});

describe('the CLI environment', () => {
  it('defaults to the same stack as the other apps', () => {
    const target = targetFromEnv({});
    expect(target.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/tideline');
    expect(target.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(target.config.redisPrefix).toBe('tl:');
  });

  it('rejects a URL of the wrong kind, naming the variable', () => {
    expect(() => targetFromEnv({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
  });
});

describe('infra/redis.conf', () => {
  it('sets every directive init applies', async () => {
    const conf = await readRedisConf();
    for (const setting of runtimeSettings) expect(conf.has(setting), setting).toBe(true);
  });

  it('counts Redis’s A alias as every key-space class', () => {
    expect(missingKeyspaceFlags('AK', 'Exe')).toBe('E');
    expect(missingKeyspaceFlags('', 'Exe')).toBe('Exe');
    expect(missingKeyspaceFlags('xeE', 'Exe')).toBe('');
  });
});
