import { TidelineError } from '@tideline/domain';
import { isPosition, readCheckpoint } from '@tideline/event-store';
import type { Kysely } from 'kysely';

/**
 * Read-your-writes: returns once the feed projector has applied the write that returned
 * `minPosition`, or throws SERVICE_UNAVAILABLE after `waitMs` (the projector is behind or
 * down; the read would not show that write). A malformed position is VALIDATION_FAILED.
 *
 * @example
 * await waitForFeedProjection(db, position, 5000);
 */
export async function waitForFeedProjection(
  db: Kysely<unknown>,
  minPosition: string,
  waitMs: number,
): Promise<void> {
  if (!isPosition(minPosition)) {
    throw new TidelineError(
      'VALIDATION_FAILED',
      'minPosition: must be a position returned by a write',
      {
        fields: [{ path: 'minPosition', message: 'must be a position returned by a write' }],
      },
    );
  }
  const deadline = Date.now() + waitMs;
  for (;;) {
    const checkpoint = await readCheckpoint(db, 'feeds');
    if (checkpoint !== undefined && checkpoint >= minPosition) return;
    if (Date.now() > deadline) {
      throw new TidelineError(
        'SERVICE_UNAVAILABLE',
        'the feed projection has not caught up with minPosition yet; retry shortly',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
