import { TidelineError } from '@tideline/domain';
import { hasEventAt, isPosition, readCheckpoint } from '@tideline/event-store';
import type { Kysely } from 'kysely';

/**
 * Read-your-writes: returns once the feed projector has applied the write that returned
 * `minPosition`, or throws SERVICE_UNAVAILABLE after `waitMs` (the projector is behind or
 * down; the read would not show that write). A malformed position, or one ahead of the
 * projector that no event of the log has (another deployment's), is VALIDATION_FAILED.
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
  for (let first = true; ; first = false) {
    const checkpoint = await readCheckpoint(db, 'feeds');
    if (checkpoint !== undefined && checkpoint >= minPosition) return;
    // Ahead of the projector: a write's position is in the log (it was committed before it
    // was returned); one that is not would be waited for in vain.
    if (first && !(await hasEventAt(db, minPosition))) {
      throw new TidelineError('VALIDATION_FAILED', `${field}: is not a position of this log`, {
        fields: [{ path: field, message: 'is not a position of this log' }],
      });
    }
    if (Date.now() > deadline) {
      throw new TidelineError(
        'SERVICE_UNAVAILABLE',
        `the feed projection has not caught up with ${field} yet; retry shortly`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
