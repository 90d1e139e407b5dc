/**
 * A wake-up flag a loop can sleep on: `notify` ends the current or next `wait` early, so a
 * notification that arrives while the loop is busy is not lost.
 */
export function createWakeup() {
  let pending = false;
  let wake: (() => void) | undefined;
  return {
    notify(): void {
      pending = true;
      wake?.();
    },
    wait(ms: number): Promise<void> {
      if (pending) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          pending = false;
          resolve();
        }
        wake = done;
      });
    },
  };
}
