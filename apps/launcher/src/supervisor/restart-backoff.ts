/** First restart delay; doubled after each quick crash. */
export const FIRST_RESTART_DELAY_MS = 250;
export const MAX_RESTART_DELAY_MS = 15_000;
/** A child that ran this long counts as healthy again: its next crash restarts fast. */
export const STABLE_AFTER_MS = 30_000;

/**
 * Delay before restarting a child after `crashes` quick crashes in a row, so a child that
 * cannot start (a port in use, a broken migration) does not spin the CPU.
 *
 * @example
 * restartDelay(0); // 250
 * restartDelay(3); // 2000
 */
export function restartDelay(crashes: number): number {
  return Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** Math.max(0, crashes));
}
