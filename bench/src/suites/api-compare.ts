import type { ApiServer } from '../load/api-server.js';
import type { LoadGenerator } from '../load/load-generator.js';
import { measureHttp } from '../load/measure.js';
import { runOpenLoop } from '../load/open-loop.js';
import { percentile } from '../stats.js';
import { COMPARE_RATE, describe, type Request } from './api-workloads.js';

export interface ReadComparison {
  /** Median over the rounds of each way's p50, ms. */
  inProcess: number;
  trpc: number;
  rest: number;
  /** Median server CPU per REST read, ms. */
  restServerCpuMs: number | undefined;
}

/**
 * The same read three ways at COMPARE_RATE, open loop: an in-process call through the
 * router (`createCaller`, in the bench process), tRPC over HTTP and REST (from the load
 * generator). Run in interleaved rounds, each way's figure the median of its round p50s,
 * so a disturbance from elsewhere on the machine lands on one round, not on one way.
 */
export async function compareReads(options: {
  server: ApiServer;
  generator: LoadGenerator;
  callInProcess: () => Promise<unknown>;
  trpcRead: Request;
  restRead: Request;
  rounds: number;
  warmupMs: number;
  durationMs: number;
  progress(message: string): void;
}): Promise<ReadComparison> {
  const { server, generator, rounds, progress } = options;
  const timing = { rate: COMPARE_RATE, warmupMs: options.warmupMs, durationMs: options.durationMs };
  const p50s = { inProcess: [] as number[], trpc: [] as number[], rest: [] as number[] };
  const cpu: number[] = [];
  for (let round = 1; round <= rounds; round += 1) {
    await server.settle();
    const inProcess = await runOpenLoop({
      ...timing,
      send: () => options.callInProcess().then(() => 200),
    });
    progress(`api: round ${round}, in-process read @${COMPARE_RATE}/s: ${describe(inProcess)}`);
    const trpc = await measureHttp(server, generator, { ...options.trpcRead, ...timing });
    progress(`api: round ${round}, tRPC read @${COMPARE_RATE}/s: ${describe(trpc)}`);
    const rest = await measureHttp(server, generator, { ...options.restRead, ...timing });
    progress(`api: round ${round}, REST read @${COMPARE_RATE}/s: ${describe(rest)}`);
    p50s.inProcess.push(inProcess.p50);
    p50s.trpc.push(trpc.p50);
    p50s.rest.push(rest.p50);
    if (rest.serverCpuMs !== undefined) cpu.push(rest.serverCpuMs);
  }
  return {
    inProcess: percentile(p50s.inProcess, 0.5),
    trpc: percentile(p50s.trpc, 0.5),
    rest: percentile(p50s.rest, 0.5),
    restServerCpuMs: cpu.length === 0 ? undefined : percentile(cpu, 0.5),
  };
}
