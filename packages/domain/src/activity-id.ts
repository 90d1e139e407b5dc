import { z } from 'zod';

// Crockford base32: no I, L, O or U, so ids survive being read aloud or retyped.
const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const timeChars = 10;
const maxTimeMs = 2 ** 48 - 1;

/** Bytes of randomness an activity id needs (80 bits). */
export const activityIdRandomBytes = 10;

/** ULID layout: 10 chars of millisecond time, then 16 chars of randomness. */
export const activityIdPattern = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

export const activityIdSchema = z
  .string()
  .regex(activityIdPattern, { error: 'must be an activity id (26 Crockford base32 characters)' });

export type ActivityId = string;

/**
 * Formats a server-assigned activity id (ULID layout): a 48-bit millisecond timestamp
 * followed by 80 random bits, both in Crockford base32. Ids sort lexicographically by
 * time. The caller supplies the randomness so this stays pure and testable.
 *
 * @example
 * formatActivityId(1469918176385, crypto.getRandomValues(new Uint8Array(10)));
 * // '01ARYZ6S41…' (16 more random characters)
 */
export function formatActivityId(timeMs: number, random: Uint8Array): ActivityId {
  if (!Number.isInteger(timeMs) || timeMs < 0 || timeMs > maxTimeMs) {
    throw new RangeError(`timeMs must be an integer from 0 to 2^48 - 1, got ${timeMs}`);
  }
  if (random.length !== activityIdRandomBytes) {
    throw new RangeError(`random must be ${activityIdRandomBytes} bytes, got ${random.length}`);
  }
  let time = '';
  // Division rather than bit shifts: JavaScript bitwise operators truncate to 32 bits.
  for (let rest = timeMs, i = 0; i < timeChars; i++, rest = Math.floor(rest / 32)) {
    time = alphabet.charAt(rest % 32) + time;
  }
  let randomPart = '';
  let bits = 0;
  let buffer = 0;
  for (const byte of random) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      randomPart += alphabet.charAt((buffer >> bits) & 31);
    }
    buffer &= (1 << bits) - 1;
  }
  return time + randomPart;
}

/**
 * The millisecond timestamp encoded in an activity id.
 *
 * @example
 * activityIdTime('01ARYZ6S41TSV4RRFFQ69G5FAV'); // 1469918176385
 */
export function activityIdTime(id: ActivityId): number {
  if (!activityIdPattern.test(id)) throw new RangeError(`not an activity id: ${id}`);
  let time = 0;
  for (const char of id.slice(0, timeChars)) time = time * 32 + alphabet.indexOf(char);
  return time;
}
