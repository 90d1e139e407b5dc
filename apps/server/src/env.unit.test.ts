import { describe, expect, it } from 'vitest';
import { loadEnv } from './env.js';

describe('server env', () => {
  it('defaults to the local services and port 3000', () => {
    expect(loadEnv({})).toEqual({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/tideline',
      REDIS_URL: 'redis://127.0.0.1:6379',
      PORT: 3000,
      LOG_LEVEL: 'info',
    });
  });

  it('names each bad variable and the expected value', () => {
    expect(() => loadEnv({ PORT: '70000', REDIS_URL: 'http://x' })).toThrow(
      'invalid configuration:\nREDIS_URL: expected a URL like redis://host:6379 (got "http://x")\nPORT: expected an integer from 1 to 65535 (got "70000")',
    );
  });
});
