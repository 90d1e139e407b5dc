/**
 * Calls `check` until it returns a value other than `undefined`, or throws once `timeoutMs`
 * has passed. Used wherever we wait for a process to answer, instead of fixed sleeps.
 *
 * @example
 * await pollUntil(async () => ((await ping()) ? true : undefined), { timeoutMs: 5_000, what: 'redis' });
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number; what: string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 50;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
