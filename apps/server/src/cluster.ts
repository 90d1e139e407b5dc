import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';

const RESTART_DELAY_MS = 1_000;
/** A server process drains for at most 8 s; after this it is killed. */
const STOP_TIMEOUT_MS = 10_000;
const METRICS_TIMEOUT_MS = 5_000;

/** IPC between a server process and the primary: "send me every process's metrics". */
interface MetricsRequest {
  type: 'tideline:metrics';
  id: string;
}
type MetricsReply = { type: 'tideline:metrics-reply'; id: string } & (
  | { contentType: string; body: string }
  | { error: string }
);

const isMessage = <T extends { type: string }>(message: unknown, type: T['type']): message is T =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;

/**
 * The primary of `SERVER_PROCESSES` > 1 (node:cluster): forks that many server processes,
 * which share the port — the primary accepts connections and hands them out round-robin.
 * It replaces a process that dies after it started listening; one that dies before (a
 * port in use, PostgreSQL refusing) stops them all with exit code 1. It answers metrics
 * requests with every process's metrics merged (prom-client's `AggregatorRegistry`), so a
 * scrape of any process sees the whole server. On SIGTERM/SIGINT, or when its own parent
 * (the launcher) goes, each process drains and exits, then the primary does.
 */
export async function runPrimary(count: number, logger: Logger): Promise<void> {
  const aggregator = new AggregatorRegistry();
  let stopping = false;

  const answerMetrics = async (worker: Worker, request: MetricsRequest) => {
    const reply: MetricsReply = await aggregator.clusterMetrics().then(
      (body) => ({
        type: 'tideline:metrics-reply',
        id: request.id,
        contentType: aggregator.contentType,
        body,
      }),
      (error: unknown) => ({
        type: 'tideline:metrics-reply',
        id: request.id,
        error: String(error),
      }),
    );
    if (worker.isConnected()) worker.send(reply);
  };

  const fork = (): Promise<void> => {
    const worker = cluster.fork();
    let listening = false;
    worker.on('message', (message: unknown) => {
      if (isMessage<MetricsRequest>(message, 'tideline:metrics'))
        void answerMetrics(worker, message);
    });
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      if (!listening) {
        logger.fatal(
          { pid: worker.process.pid, code, signal },
          'a server process exited before listening',
        );
        void stop('a server process failed to start', 1);
        return;
      }
      logger.error(
        { pid: worker.process.pid, code, signal },
        'a server process exited; starting another',
      );
      setTimeout(() => {
        if (!stopping) void fork();
      }, RESTART_DELAY_MS);
    });
    return new Promise((resolve) =>
      worker.once('listening', () => {
        listening = true;
        resolve();
      }),
    );
  };

  async function stop(reason: string, exitCode = 0): Promise<void> {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping the server processes');
    const workers = Object.values(cluster.workers ?? {}).filter(
      (w): w is Worker => w !== undefined,
    );
    await Promise.all(
      workers.map(async (worker) => {
        if (worker.isDead()) return;
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        worker.process.kill('SIGTERM');
        const timer = setTimeout(() => worker.process.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited.finally(() => clearTimeout(timer));
      }),
    );
    logger.info('server stopped');
    process.exit(exitCode);
  }

  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('disconnect', () => void stop('parent exited'));

  await Promise.all(Array.from({ length: count }, fork));
  logger.info({ processes: count }, 'server processes listening');
}

/**
 * In a server process under the cluster primary: the metrics of every process, merged by
 * the primary. Rejects after 5 s without an answer.
 */
export function clusterMetrics(): Promise<{ contentType: string; body: string }> {
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (!isMessage<MetricsReply>(message, 'tideline:metrics-reply') || message.id !== id) return;
      done();
      if ('error' in message) reject(new Error(message.error));
      else resolve({ contentType: message.contentType, body: message.body });
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error('the cluster primary did not send the metrics in time'));
    }, METRICS_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      process.off('message', onMessage);
    };
    process.on('message', onMessage);
    const request: MetricsRequest = { type: 'tideline:metrics', id };
    process.send?.(request);
  });
}
