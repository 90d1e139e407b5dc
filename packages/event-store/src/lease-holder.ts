import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import {
  confirmLease,
  enterLease,
  LeaseLostError,
  releaseLease,
  renewLease,
  tryTakeLease,
} from './consumer-lease.js';
import type { BatchFence } from './process-batch.js';

/**
 * Of the ttl a confirmed renewal grants, the share this process trusts by its own clock.
 * The rest covers the time between a check and the write it allows reaching Redis.
 */
const TRUSTED_SHARE = 0.8;

export interface LeaseHolder {
  readonly token: number;
  /**
   * True while this process is sure, by its monotonic clock, that the lease is still its
   * own: a renewal confirmed less than 80% of a ttl ago. A process woken from SIGSTOP
   * sees at once that it is not.
   */
  held(): boolean;
  /** For processBatch: every batch transaction checks the lease with its writes. */
  readonly fence: BatchFence;
  /** Stops renewing and expires the lease now (if still ours) so a standby need not wait. */
  close(): Promise<void>;
}

export interface TakeLeaseOptions {
  name: string;
  owner: string;
  ttlMs: number;
  /** Told when a renewal finds the lease gone, so the loop can stop at once. */
  onLost: () => void;
  onError?: (error: unknown) => void;
}

/**
 * Takes the consumer's lease on `client` (the consumer's own connection) if it is free or
 * expired, and keeps renewing it every third of its ttl until `close`. `undefined` when
 * another instance holds it.
 *
 * @example
 * const lease = await takeLease(client, { name, owner, ttlMs: 5000, onLost: wake });
 * if (lease) await processBatch(db, projection, { ...options, fence: lease.fence });
 */
export async function takeLease(
  client: pg.ClientBase,
  options: TakeLeaseOptions,
): Promise<LeaseHolder | undefined> {
  const { name, ttlMs } = options;
  const askedAt = performance.now();
  const taken = await tryTakeLease(client, name, options.owner, ttlMs);
  if (taken === undefined) return undefined;
  const token: number = taken;
  let trustedUntil = askedAt + ttlMs * TRUSTED_SHARE;
  let lost = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let renewing: Promise<void> | undefined;

  const held = () => !lost && !closed && performance.now() < trustedUntil;
  const lose = (why: string): never => {
    lost = true;
    options.onLost();
    throw new LeaseLostError(`lease of consumer ${name} (token ${token}) ${why}`);
  };

  async function renew(): Promise<void> {
    const sentAt = performance.now();
    try {
      if (await renewLease(client, name, token, ttlMs)) {
        trustedUntil = sentAt + ttlMs * TRUSTED_SHARE;
      } else {
        lost = true;
        options.onLost();
      }
    } catch (error) {
      // The connection's own error handler ends the loop; until then the lease just ages.
      options.onError?.(error);
    }
  }
  function schedule(): void {
    if (closed || lost) return;
    timer = setTimeout(() => {
      renewing = renew().then(schedule);
    }, ttlMs / 3);
  }
  schedule();

  return {
    token,
    held,
    fence: {
      async enter(tx) {
        if (!held()) lose('lapsed by this process clock');
        if (!(await enterLease(tx, name, token, ttlMs))) lose('expired or was taken over');
      },
      async confirm(tx) {
        if (!(await confirmLease(tx, name, token))) lose('expired or was taken over');
      },
      check() {
        if (!held()) lose('lapsed by this process clock before a write outside PostgreSQL');
      },
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await renewing;
      if (!lost) await releaseLease(client, name, token).catch(() => {});
    },
  };
}
