import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { flagVar, integerVar, logLevelVar, optionalUrlVar, urlVar } from './env-vars.js';
import { InvalidEnvError, inheritedEnv, parseEnv } from './parse-env.js';

const schema = z.object({
  PORT: integerVar(1, 65535, 3000),
  DATABASE_URL: optionalUrlVar(['postgres:'], 'postgres://host/db'),
  REDIS_URL: urlVar(['redis:'], 'redis://host:6379', 'redis://127.0.0.1:6379'),
  LOG_LEVEL: logLevelVar,
});

describe('environment variables', () => {
  it('uses the defaults when nothing is set, and treats empty values as unset', () => {
    expect(parseEnv(schema, { PORT: '', DATABASE_URL: '' })).toEqual({
      PORT: 3000,
      DATABASE_URL: undefined,
      REDIS_URL: 'redis://127.0.0.1:6379',
      LOG_LEVEL: 'info',
    });
  });

  it('parses what is set', () => {
    expect(
      parseEnv(schema, { PORT: '8080', DATABASE_URL: 'postgres://h/db', LOG_LEVEL: 'debug' }),
    ).toMatchObject({
      PORT: 8080,
      DATABASE_URL: 'postgres://h/db',
      LOG_LEVEL: 'debug',
    });
  });

  it('names every bad variable, what it expects and what it got', () => {
    const bad = {
      PORT: '70000',
      DATABASE_URL: 'mysql://h/db',
      REDIS_URL: 'nope',
      LOG_LEVEL: 'loud',
    };
    expect(() => parseEnv(schema, bad)).toThrow(InvalidEnvError);
    try {
      parseEnv(schema, bad);
    } catch (error) {
      expect((error as InvalidEnvError).problems).toEqual([
        'PORT: expected an integer from 1 to 65535 (got "70000")',
        'DATABASE_URL: expected a URL like postgres://host/db (got "mysql://h/db")',
        'REDIS_URL: expected a URL like redis://host:6379 (got "nope")',
        'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      ]);
    }
  });

  it('rejects a fractional or non-numeric integer', () => {
    expect(() => parseEnv(schema, { PORT: '3.5' })).toThrow(
      /PORT: expected an integer from 1 to 65535/,
    );
    expect(() => parseEnv(schema, { PORT: 'abc' })).toThrow(/PORT: expected an integer/);
  });

  it('builds a child environment without unset values', () => {
    expect(inheritedEnv({ PORT: '1' }, { A: 'a', B: undefined, PORT: '2' })).toEqual({
      A: 'a',
      PORT: '1',
    });
  });
});

describe('flagVar', () => {
  const flags = z.object({ DEMO: flagVar });

  it('is off when unset or blank, and reads the usual spellings of on and off', () => {
    expect(parseEnv(flags, {})).toEqual({ DEMO: false });
    expect(parseEnv(flags, { DEMO: '' })).toEqual({ DEMO: false });
    for (const on of ['1', 'true', 'ON', 'yes'])
      expect(parseEnv(flags, { DEMO: on }).DEMO).toBe(true);
    for (const off of ['0', 'false', 'Off', 'no'])
      expect(parseEnv(flags, { DEMO: off }).DEMO).toBe(false);
  });

  it('refuses anything else, saying what it expects', () => {
    expect(() => parseEnv(flags, { DEMO: 'maybe' })).toThrow(/DEMO.*expected 1 or 0/);
  });
});
