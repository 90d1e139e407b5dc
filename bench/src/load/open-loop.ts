import { setTimeout as sleep } from 'node:timers/promises';
import { percentile } from '../stats.js';

/** What one open-loop run measured. Latencies are in ms, from each request's intended send time. */
export interface LoadResult {
  /** The offered rate, requests/s. */
  rate: number;
  /** Requests in the measured window (after the warm-up). */
  requests: number;
  /** Answered with a 2xx status. */
  ok: number;
  /** Answered with any other status. */
  non2xx: number;
  /** Not answered: connection errors, and timeouts (which also enter the percentiles). */
  errors: number;
  /** `errors` by kind: `timeout`, or the error's code (`ECONNRESET`, …). */
  errorKinds: Record<string, number>;
  /** 2xx answers per second, over the first intended send to the last answer. */
  achievedRate: number;
  p50: number;
  p99: number;
  max: number;
  /** How late the generator itself sent requests (p99): high means it, not the server, lagged. */
  sendLagP99: number;
}

export interface OpenLoopOptions {
  /** Requests per second, scheduled at fixed intervals whatever the answers do. */
  rate: number;
  /** Requests sent but not recorded first, to warm connections and caches. */
  warmupMs: number;
  durationMs: number;
  /**
   * Sends request `n` and resolves with its HTTP status (200 for a call without one), or 0
   * when it timed out: that counts as an error, with the time it took as its latency.
   */
  send(n: number): Promise<number>;
}

/**
 * Open-loop load (as wrk2 does it): request n is due at `start + n / rate` and is sent then,
 * however many earlier ones are still unanswered, and its latency runs from that due time,
 * not from when it actually left. A server that stalls for a second therefore shows a
 * second of latency on every request that fell due meanwhile, instead of quietly delaying
 * the sends and hiding the queue (coordinated omission).
 *
 * @example
 * const result = await runOpenLoop({ rate: 1000, warmupMs: 2000, durationMs: 10_000, send });
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<LoadResult> {
  const { rate, send } = options;
  const interval = 1000 / rate;
  const warmup = Math.round((rate * options.warmupMs) / 1000);
  const total = warmup + Math.round((rate * options.durationMs) / 1000);
  const latencies: number[] = [];
  const sendLags: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const errorKinds: Record<string, number> = {};
  const countError = (kind: string) => {
    errors += 1;
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  };
  let lastAnswer = 0;
  const pending = new Set<Promise<void>>();
  const start = performance.now() + 5;

  for (let n = 0; n < total; n += 1) {
    const due = start + n * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const measured = n >= warmup;
    if (measured) sendLags.push(performance.now() - due);
    const request = send(n).then(
      (status) => {
        if (!measured) return;
        const now = performance.now();
        latencies.push(now - due);
        if (status === 0) {
          countError('timeout');
          return;
        }
        lastAnswer = now;
        if (status >= 200 && status < 300) ok += 1;
        else non2xx += 1;
      },
      (error: unknown) => {
        if (!measured) return;
        const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
        countError(String(code ?? name ?? 'error'));
      },
    );
    pending.add(request);
    void request.finally(() => pending.delete(request));
  }
  await Promise.all(pending);

  const firstDue = start + warmup * interval;
  const ms = (value: number) => Math.round(value * 1000) / 1000;
  return {
    rate,
    requests: total - warmup,
    ok,
    non2xx,
    errors,
    errorKinds,
    achievedRate: lastAnswer > firstDue ? Math.round((ok / (lastAnswer - firstDue)) * 1000) : 0,
    p50: ms(percentile(latencies, 0.5)),
    p99: ms(percentile(latencies, 0.99)),
    max: ms(latencies.reduce((a, b) => Math.max(a, b), 0)),
    sendLagP99: ms(percentile(sendLags, 0.99)),
  };
}
