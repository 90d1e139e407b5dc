import { describe, expect, it } from 'vitest';
import { loadEnv } from './env.js';

describe('worker environment', () => {
  it('given nothing set, then the view is refreshed every 30 seconds', () => {
    expect(loadEnv({}).MATERIALIZED_VIEW_REFRESH_SECONDS).toBe(30);
  });

  it('given MATERIALIZED_VIEW_REFRESH_SECONDS=0, then refreshing is disabled', () => {
    expect(
      loadEnv({ MATERIALIZED_VIEW_REFRESH_SECONDS: '0' }).MATERIALIZED_VIEW_REFRESH_SECONDS,
    ).toBe(0);
  });

  it('given a bad MATERIALIZED_VIEW_REFRESH_SECONDS, then loading fails naming it', () => {
    for (const value of ['-1', 'soon', '86401']) {
      expect(() => loadEnv({ MATERIALIZED_VIEW_REFRESH_SECONDS: value })).toThrow(
        /MATERIALIZED_VIEW_REFRESH_SECONDS/,
      );
    }
  });

  it('given nothing set, then a projector lease lasts 5 seconds', () => {
    expect(loadEnv({}).PROJECTOR_LEASE_SECONDS).toBe(5);
  });

  it('given a lease too short to renew reliably, then loading fails naming it', () => {
    for (const value of ['0', '1', '301', 'long']) {
      expect(() => loadEnv({ PROJECTOR_LEASE_SECONDS: value })).toThrow(/PROJECTOR_LEASE_SECONDS/);
    }
  });
});
