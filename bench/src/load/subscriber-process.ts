// The subscribers' own process (forked by `startSubscribers`): it holds many live feed
// subscriptions to the API server — REST SSE streams or tRPC WebSocket subscriptions, one
// connection each — and records, for every message that carries `extra.sentAt`, how long
// after that instant it arrived. It exits when the parent disconnects.
import http from 'node:http';
import { WebSocket } from 'ws';
import type { FromSubscribers, SubscriberBatch, ToSubscribers } from './subscribers.js';

const now = () => performance.timeOrigin + performance.now();

let latencies: number[] = [];
let received = 0;
const closers: (() => void)[] = [];

/** What every message brings: a published activity's `extra.sentAt`, if it has one. */
type Message = { activity?: { extra?: { sentAt?: unknown } } } | undefined;

function record(message: Message): void {
  const sentAt = message?.activity?.extra?.sentAt;
  if (typeof sentAt !== 'number') return;
  received += 1;
  latencies.push(now() - sentAt);
}

/** One REST event stream; resolves once `feed.watching` has arrived. */
function openSse(batch: SubscriberBatch, feed: string): Promise<void> {
  const [group, id] = feed.split(':');
  const origin = new URL(batch.origin);
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: origin.hostname,
        port: origin.port,
        path: `/api/v1/feeds/${group}/${id}/stream`,
        agent: false,
        headers: { authorization: `Bearer ${batch.token}`, accept: 'text/event-stream' },
      },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`stream ${feed}: ${res.statusCode}`));
          res.resume();
          return;
        }
        res.setEncoding('utf8');
        let buffer = '';
        let started = false;
        res.on('data', (chunk: string) => {
          buffer += chunk;
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block.split('\n').find((line) => line.startsWith('data: '));
            if (data === undefined) continue;
            if (!started) {
              started = true;
              resolve();
            }
            record(JSON.parse(data.slice(6)) as Message);
          }
        });
      },
    );
    req.on('error', reject);
    closers.push(() => req.destroy());
  });
}

/** One WebSocket carrying one `feeds.watch` subscription (tRPC's JSON-RPC messages). */
function openWs(batch: SubscriberBatch, feed: string): Promise<void> {
  const [group, id] = feed.split(':');
  const socket = new WebSocket(`${batch.origin.replace(/^http/, 'ws')}/trpc`, {
    headers: { authorization: `Bearer ${batch.token}` },
  });
  closers.push(() => socket.terminate());
  return new Promise((resolve, reject) => {
    let started = false;
    socket.on('error', reject);
    socket.on('open', () => {
      socket.send(
        JSON.stringify({
          id: 1,
          method: 'subscription',
          params: { path: 'feeds.watch', input: { group, id } },
        }),
      );
    });
    socket.on('message', (raw) => {
      const text = raw.toString();
      // tRPC's keep-alive: answer, or the server closes the connection.
      if (text === 'PING') {
        socket.send('PONG');
        return;
      }
      const envelope = JSON.parse(text) as {
        result?: { type?: string; data?: { data?: Message } };
        error?: unknown;
      };
      if (envelope.error) reject(new Error(`ws ${feed}: ${text}`));
      if (envelope.result?.type !== 'data') return;
      if (!started) {
        started = true;
        resolve();
      }
      // A tracked message arrives as { id, data }.
      record(envelope.result.data?.data);
    });
  });
}

async function open(batch: SubscriberBatch): Promise<void> {
  const openOne = batch.transport === 'sse' ? openSse : openWs;
  // A few hundred at a time: the server's accept queue is 511 deep.
  for (let i = 0; i < batch.feeds.length; i += batch.concurrency) {
    await Promise.all(batch.feeds.slice(i, i + batch.concurrency).map((f) => openOne(batch, f)));
  }
}

function reply(message: FromSubscribers): void {
  process.send?.(message);
}

process.on('message', (message: ToSubscribers) => {
  if ('open' in message) {
    const start = performance.now();
    open(message.open).then(
      () => reply({ kind: 'opened', ms: performance.now() - start }),
      (error: unknown) => reply({ kind: 'error', message: String(error) }),
    );
  } else if ('collect' in message) {
    reply({ kind: 'collected', latencies, received });
    latencies = [];
    received = 0;
  } else if ('closeAll' in message) {
    for (const close of closers.splice(0)) close();
    reply({ kind: 'closed' });
  }
});
process.on('disconnect', () => process.exit(0));
