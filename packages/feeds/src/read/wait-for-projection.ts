import { TidelineError } from '@tideline/domain';
import { hasEventAt, isPosition, type Position, readCheckpoint } from '@tideline/event-store';
import type { Kysely } from 'kysely';

/**
 * Read-your-writes: returns once the feed projector has applied the write that returned
 * `minPosition`, or throws SERVICE_UNAVAILABLE after `waitMs` (the projector is behind or
 * down; the read would not show that write). A malformed position, or one ahead of the
 * projector that no event of the log has (another deployment's), is VALIDATION_FAILED.
 * `field` names the position in those errors.
 *
 * @example
 * await waitForMinPosition(db, position, 5000);
 */
export async function waitForMinPosition(
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
  if ((await projectedOrForeign(db, minPosition, waitMs, field)) === 'foreign') {
    throw new TidelineError('VALIDATION_FAILED', `${field}: is not a position of this log`, {
      fields: [{ path: field, message: 'is not a position of this log' }],
    });
  }
}

/**
 * Waits until the feed projector has applied `position`: `applied`; or, when the projector
 * is behind it and no event of the log stands there (every position a client was given is
 * one), `foreign` at once, as it would be waited for in vain. Throws SERVICE_UNAVAILABLE
 * (naming `field`) after `waitMs`.
 *
 * @example
 * if ((await projectedOrForeign(db, lastEventId, 5000, 'lastEventId')) === 'foreign') …
 */
export async function projectedOrForeign(
  db: Kysely<unknown>,
  position: Position,
  waitMs: number,
  field: string,
): Promise<'applied' | 'foreign'> {
  const deadline = Date.now() + waitMs;
  const applied = async () => {
    const checkpoint = await readCheckpoint(db, 'feeds');
    return checkpoint !== undefined && checkpoint >= position;
  };
  if (await applied()) return 'applied';
  if (!(await hasEventAt(db, position))) return 'foreign';
  while (!(await applied())) {
    if (Date.now() > deadline) {
      throw new TidelineError(
        'SERVICE_UNAVAILABLE',
        `the feed projection has not caught up with ${field} yet; retry shortly`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return 'applied';
}
