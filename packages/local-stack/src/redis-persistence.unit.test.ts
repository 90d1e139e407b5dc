import { describe, expect, it } from 'vitest';
import { persistenceWarning } from './redis-persistence.js';

describe('persistenceWarning', () => {
  it('is silent when Redis keeps nothing across a restart, as infra/redis.conf does', () => {
    expect(persistenceWarning({ save: '', appendonly: 'no', appendfsync: 'everysec' })).toBe(
      undefined,
    );
  });

  it('names RDB save points, Debian’s built-in default included', () => {
    expect(
      persistenceWarning({
        save: '3600 1 300 100 60 10000',
        appendonly: 'no',
        appendfsync: 'everysec',
      }),
    ).toMatch(/^Redis RDB snapshots \(save "3600 1 300 100 60 10000"\) can restart it/);
  });

  it('names an append-only file that is not fsynced on every write', () => {
    expect(persistenceWarning({ save: '', appendonly: 'yes', appendfsync: 'everysec' })).toMatch(
      /^Redis an append-only file fsynced everysec \(appendonly yes\) can restart it/,
    );
    expect(persistenceWarning({ save: '', appendonly: 'yes', appendfsync: 'always' })).toBe(
      undefined,
    );
  });
});
