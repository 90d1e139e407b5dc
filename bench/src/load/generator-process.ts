// The load generator's own process (forked by `startLoadGenerator`): it gets an HttpLoad
// over IPC, runs it open-loop and answers with the LoadResult; it exits when the parent
// disconnects, so it never outlives the bench.
import http from 'node:http';
import type { HttpLoad, ToGenerator } from './load-generator.js';
import { runOpenLoop } from './open-loop.js';

/** A request unanswered this long after it was sent (queueing for a socket included) times out. */
const TIMEOUT_MS = 10_000;

// Enough sockets that requests never wait for one unless the server has stopped answering.
// Free sockets are taken in turn (FIFO), not the last one freed first (Node's default): the
// requests spread over every open connection, and so over the server processes of a
// cluster, as many clients' requests would; and no connection idles long enough for the
// server to close it just as a request is sent on it.
const agent = new http.Agent({ keepAlive: true, maxSockets: 512, scheduling: 'fifo' });

function request(origin: URL, load: HttpLoad, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      agent,
      host: origin.hostname,
      port: origin.port,
      method: load.method,
      path,
      headers:
        load.body === undefined
          ? load.headers
          : {
              ...load.headers,
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(load.body),
            },
    });
    // A timer cleared on the answer, not AbortSignal.timeout: that one's timer and weak
    // references live the whole 10 s, for every request, and the generator's own GC work
    // would show up in the latencies it measures.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy();
    }, TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      if (timedOut) resolve(0);
      else reject(error);
    };
    req.on('error', fail);
    req.on('response', (res) => {
      // The latency includes reading the whole body.
      res.on('data', () => {});
      res.on('end', () => {
        clearTimeout(timer);
        resolve(res.statusCode ?? 0);
      });
      res.on('error', fail);
      res.on('close', () => {
        if (!res.complete) fail(new Error('the response ended early'));
      });
    });
    req.end(load.body);
  });
}

process.on('message', (message: ToGenerator) => {
  const { load } = message;
  const origin = new URL(load.origin);
  runOpenLoop({
    rate: load.rate,
    warmupMs: load.warmupMs,
    durationMs: load.durationMs,
    send: (n) => request(origin, load, load.paths[n % load.paths.length] ?? '/'),
  }).then(
    (result) => process.send?.({ kind: 'result', result }),
    (error: unknown) => process.send?.({ kind: 'error', message: String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
