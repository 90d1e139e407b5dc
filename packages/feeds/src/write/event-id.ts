import { createHash } from 'node:crypto';

/**
 * A UUID derived from a name (RFC 4122 version 5 layout over SHA-1), so the same
 * `(feed, foreignId, time)` always yields the same event id and the event store's
 * idempotency returns the original activity instead of adding a second one.
 *
 * @example
 * nameBasedEventId('user:ana', 'post:1', '2024-05-01T12:00:00.000Z');
 */
export function nameBasedEventId(...parts: readonly string[]): string {
  const hash = createHash('sha1').update(parts.join('\u0000')).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
