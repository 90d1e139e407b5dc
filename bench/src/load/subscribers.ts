import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** Subscriptions to open, one connection each. */
export interface SubscriberBatch {
  /** `http://host:port` of the API server. */
  origin: string;
  token: string;
  transport: 'sse' | 'websocket';
  /** One subscription per entry (`group:id`). */
  feeds: readonly string[];
  /** How many are opened at once. */
  concurrency: number;
}

export type ToSubscribers = { open: SubscriberBatch } | { collect: true } | { closeAll: true };
export type FromSubscribers =
  | { kind: 'opened'; ms: number }
  | { kind: 'collected'; latencies: number[]; received: number }
  | { kind: 'closed' }
  | { kind: 'error'; message: string };

export interface Subscribers {
  /** Opens the batch; resolves when every subscription has its `feed.watching`. */
  open(batch: SubscriberBatch): Promise<number>;
  /** Latencies (ms from `extra.sentAt`) and count of the messages since the last collect. */
  collect(): Promise<{ latencies: number[]; received: number }>;
  closeAll(): Promise<void>;
  stop(): Promise<void>;
}

const tsxLoader = import.meta.resolve('tsx');

/**
 * Forks the subscribers' process (`subscriber-process.ts`): thousands of open
 * subscriptions, and the timing of what they receive, kept off the bench's and the
 * server's event loops.
 *
 * @example
 * const subscribers = await startSubscribers();
 * await subscribers.open({ origin, token, transport: 'sse', feeds, concurrency: 200 });
 */
export async function startSubscribers(): Promise<Subscribers> {
  const child: ChildProcess = fork(
    fileURLToPath(new URL('./subscriber-process.ts', import.meta.url)),
    [],
    { execArgv: ['--import', tsxLoader], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  await once(child, 'spawn');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ask = (message: ToSubscribers) =>
    new Promise<FromSubscribers>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`subscribers exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (answer: FromSubscribers) => {
        child.off('exit', onExit);
        if (answer.kind === 'error') reject(new Error(answer.message));
        else resolve(answer);
      });
      child.send(message);
    });
  return {
    async open(batch) {
      const answer = await ask({ open: batch });
      return answer.kind === 'opened' ? answer.ms : Number.NaN;
    },
    async collect() {
      const answer = await ask({ collect: true });
      return answer.kind === 'collected' ? answer : { latencies: [], received: 0 };
    },
    async closeAll() {
      await ask({ closeAll: true });
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited.finally(() => clearTimeout(timer));
    },
  };
}
