import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidEnvError, loadEnv } from './env.js';
import { repoRoot } from './repo-paths.js';

function problemsOf(source: Record<string, string>): readonly string[] {
  try {
    loadEnv(source);
  } catch (error) {
    if (error instanceof InvalidEnvError) return error.problems;
    throw error;
  }
  throw new Error('expected loadEnv to reject the environment');
}

describe('launcher env', () => {
  it('runs with nothing set, using the documented defaults', () => {
    expect(loadEnv({})).toEqual({
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      PORT: 3000,
      WORKERS: 1,
      LOG_LEVEL: 'info',
      TIDELINE_DATA_DIR: path.join(repoRoot, '.data'),
      EMBEDDED_POSTGRES_PORT: 54329,
      REDIS_FALLBACK_PORT: 63790,
      FANOUT_THRESHOLD: 10_000,
      FANOUT_ACTIVE_DAYS: 7,
      TIMELINE_MAX: 800,
      REDIS_KEY_PREFIX: 'tl:',
      DEMO: false,
    });
  });

  it('reads the feed groups as JSON and checks them with the domain', () => {
    const groups = [{ name: 'alerts', kind: 'notification' }];
    expect(loadEnv({ FEED_GROUPS: JSON.stringify(groups) }).FEED_GROUPS).toEqual([
      { name: 'alerts', kind: 'notification', aggregationKey: ['verb', 'object', 'day'] },
    ]);
    expect(() => loadEnv({ FEED_GROUPS: '[{"name":"x"' })).toThrow(
      /FEED_GROUPS: expected JSON like/,
    );
    expect(() => loadEnv({ FEED_GROUPS: '[{"name":"x","kind":"tree"}]' })).toThrow(
      /FEED_GROUPS: \[0\]\.kind: must be one of flat, aggregated or notification|FEED_GROUPS: .*kind/,
    );
  });

  it('names a bad feed variable and what it expects', () => {
    expect(() => loadEnv({ FANOUT_THRESHOLD: '-1', TIMELINE_MAX: 'lots' })).toThrow(
      /FANOUT_THRESHOLD: expected an integer from 0 to 10000000[\s\S]*TIMELINE_MAX: expected an integer from 10 to 100000/,
    );
  });

  it('treats an empty variable as unset', () => {
    expect(loadEnv({ DATABASE_URL: '', PORT: '' })).toMatchObject({
      DATABASE_URL: undefined,
      PORT: 3000,
    });
  });

  it('parses numbers and resolves a relative data folder against the repository', () => {
    const env = loadEnv({
      PORT: '8080',
      WORKERS: '0',
      TIDELINE_DATA_DIR: 'tmp/data',
      LOG_LEVEL: 'debug',
    });
    expect(env).toMatchObject({
      PORT: 8080,
      WORKERS: 0,
      LOG_LEVEL: 'debug',
      TIDELINE_DATA_DIR: path.join(repoRoot, 'tmp/data'),
    });
  });

  it('accepts postgres and redis URLs', () => {
    const env = loadEnv({
      DATABASE_URL: 'postgresql://u:p@db:5432/x',
      REDIS_URL: 'rediss://cache:6380',
    });
    expect(env).toMatchObject({
      DATABASE_URL: 'postgresql://u:p@db:5432/x',
      REDIS_URL: 'rediss://cache:6380',
    });
  });

  it('reports one line per bad variable, naming it and the expected value', () => {
    const problems = problemsOf({
      PORT: 'http',
      WORKERS: '65',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://db',
      REDIS_URL: 'not a url',
      EMBEDDED_POSTGRES_PORT: '0',
      REDIS_FALLBACK_PORT: '-1',
    });
    expect(problems).toEqual([
      'DATABASE_URL: expected a URL like postgres://user@host:5432/tideline (got "mysql://db")',
      'REDIS_URL: expected a URL like redis://host:6379 (got "not a url")',
      'PORT: expected an integer from 1 to 65535 (got "http")',
      'WORKERS: expected an integer from 0 to 64 (got "65")',
      'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      'EMBEDDED_POSTGRES_PORT: expected an integer from 1 to 65535 (got "0")',
      'REDIS_FALLBACK_PORT: expected an integer from 1 to 65535 (got "-1")',
    ]);
  });

  it('rejects fractional numbers', () => {
    expect(problemsOf({ WORKERS: '1.5' })).toEqual([
      'WORKERS: expected an integer from 0 to 64 (got "1.5")',
    ]);
  });
});
