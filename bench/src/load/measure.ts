import type { ApiServer } from './api-server.js';
import type { HttpLoad, LoadGenerator } from './load-generator.js';
import type { LoadResult } from './open-loop.js';

export interface Measured extends LoadResult {
  /** Server CPU time per request sent (warm-up included), ms; undefined off Linux. */
  serverCpuMs: number | undefined;
}

/**
 * One generator run against the server, once it has settled, with the server's CPU time
 * per request: how close a rate is to what one server process can do at all.
 *
 * @example
 * const run = await measureHttp(server, generator, { method: 'GET', paths, headers, rate: 200, warmupMs, durationMs });
 */
export async function measureHttp(
  server: ApiServer,
  generator: LoadGenerator,
  load: Omit<HttpLoad, 'origin'>,
): Promise<Measured> {
  await server.settle();
  const before = server.cpuMs();
  const result = await generator.run({ origin: server.origin, ...load });
  const after = server.cpuMs();
  const sent = Math.round((load.rate * (load.warmupMs + load.durationMs)) / 1000);
  const serverCpuMs =
    before === undefined || after === undefined
      ? undefined
      : Math.round(((after - before) / sent) * 1000) / 1000;
  return { ...result, serverCpuMs };
}
