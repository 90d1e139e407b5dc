import { describe, expect, it } from 'vitest';
import { loadEnv } from './env.js';

describe('server env', () => {
  it('defaults to the local services and port 3000', () => {
    expect(loadEnv({})).toMatchObject({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/tideline',
      REDIS_URL: 'redis://127.0.0.1:6379',
      PORT: 3000,
      LOG_LEVEL: 'info',
      API_KEYS: [],
      RATE_LIMIT_USER_PER_MINUTE: 600,
      RATE_LIMIT_SERVER_PER_MINUTE: 0,
      RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: 30,
      CORS_ORIGINS: [],
    });
  });

  it('reads comma-separated API keys and origins, ignoring blanks', () => {
    const env = loadEnv({
      API_KEYS: ' key-one-0123456789abcdef , ,key-two-0123456789abcdef',
      CORS_ORIGINS: 'http://localhost:5173,https://app.example.com',
    });
    expect([env.API_KEYS, env.CORS_ORIGINS]).toEqual([
      ['key-one-0123456789abcdef', 'key-two-0123456789abcdef'],
      ['http://localhost:5173', 'https://app.example.com'],
    ]);
  });

  it('serves the web app from WEB_APP_DIR when set, apps/web/dist (undefined here) when empty', () => {
    expect(loadEnv({ WEB_APP_DIR: '/srv/tideline-web' }).WEB_APP_DIR).toBe('/srv/tideline-web');
    expect(loadEnv({ WEB_APP_DIR: '' }).WEB_APP_DIR).toBeUndefined();
  });

  it('refuses short keys and secrets, naming the variable', () => {
    expect(() => loadEnv({ API_KEYS: 'short', JWT_SECRET: 'too-short' })).toThrow(
      /API_KEYS[\s\S]*16 to 256[\s\S]*JWT_SECRET: .*at least 32/,
    );
  });

  it('names each bad variable and the expected value', () => {
    expect(() => loadEnv({ PORT: '70000', REDIS_URL: 'http://x' })).toThrow(
      'invalid configuration:\nREDIS_URL: expected a URL like redis://host:6379 (got "http://x")\nPORT: expected an integer from 1 to 65535 (got "70000")',
    );
  });
});
