import { TidelineError } from '@tideline/domain';
import { isPosition, readCheckpoint } from '@tideline/event-store';
import type { Kysely } from 'kysely';

/**
 * Read-your-writes: returns once the feed projector has applied the write that returned
 * `minPosition`, or throws SERVICE_UNAVAILABLE after `waitMs` (the projector is behind or
 * down; the read would not show that write). A malformed position is VALIDATION_FAILED.
 * `field` names the position in those errors (a watch resumes after `lastEventId`).
 *
 * @example
 * await waitForFeedProjection(db, position, 5000);
 */
export async function waitForFeedProjection(
  db: Kysely<unknown>,
  minPosition: string,
  waitMs: number,
  field = 'minPosition',
): Promise<void> {
  if (!isPosition(minPosition)) {
    throw new TidelineError(
      'VALIDATION_FAILED',
      `${field}: must be a position returned by a write`,
      {
        fields: [{ path: field, message: 'must be a position returned by a write' }],
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
        `the feed projection has not caught up with ${field} yet; retry shortly`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
