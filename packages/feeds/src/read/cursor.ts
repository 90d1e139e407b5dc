import { TidelineError } from '@tideline/domain';
import type { Entry } from '@tideline/fanout';

/** An opaque page cursor: the key of the last item returned. */
export function encodeCursor(entry: Entry): string {
  return Buffer.from(`${entry.timeMs}:${entry.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): Entry {
  const text = Buffer.from(cursor, 'base64url').toString();
  const match = /^(-?\d{1,16}):([0-9A-Z]{26})$/.exec(text);
  if (!match?.[1] || !match[2]) {
    throw new TidelineError(
      'VALIDATION_FAILED',
      'cursor: must be a `next` value from an earlier page',
      {
        fields: [{ path: 'cursor', message: 'must be a `next` value from an earlier page' }],
      },
    );
  }
  return { timeMs: Number(match[1]), id: match[2] };
}
