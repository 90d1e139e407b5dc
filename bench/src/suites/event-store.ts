import { randomUUID } from 'node:crypto';
import { createEventStore, type Projection, processBatch } from '@tideline/event-store';
import { type Kysely, sql } from 'kysely';
import { type Figure, latencyFigures } from '../report.js';
import { elapsedMs } from '../stats.js';

export interface SuiteContext {
  db: Kysely<unknown>;
  quick: boolean;
  progress(message: string): void;
}

const BATCH = 100;
const WRITERS = 4;

function payload(i: number) {
  return {
    actor: `user:${i % 997}`,
    verb: 'post',
    object: `photo:${i}`,
    time: new Date(1_700_000_000_000 + i * 1000).toISOString(),
    extra: { caption: 'a reasonably sized caption for a photo', tags: ['bench', 'tideline'] },
  };
}

/** Runs `work(writer, batchIndex)` for `batches` batches split over WRITERS concurrent loops. */
async function runWriters(batches: number, work: (writer: number, batch: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, writer) => {
      for (let batch = next++; batch < batches; batch = next++) await work(writer, batch);
    }),
  );
}

/** A table shaped like `events` (columns, keys, index), without triggers or versioning. */
async function createRawTable(db: Kysely<unknown>) {
  await sql`
    CREATE TABLE bench_raw_events (
      position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
      stream_id text NOT NULL, stream_version bigint NOT NULL, event_id uuid NOT NULL,
      type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (stream_id, stream_version), UNIQUE (event_id)
    )`.execute(db);
  await sql`CREATE INDEX ON bench_raw_events (transaction_id, position)`.execute(db);
}

async function rawInsertRate(db: Kysely<unknown>, events: number): Promise<number> {
  const batches = Math.ceil(events / BATCH);
  const versions = new Map<string, number>();
  const run = randomUUID().slice(0, 8);
  const start = performance.now();
  await runWriters(batches, async (writer, batch) => {
    const stream = `raw-${run}-${writer}-${batch % 10}`;
    const first = (versions.get(stream) ?? 0) + 1;
    versions.set(stream, first + BATCH - 1);
    const rows = Array.from(
      { length: BATCH },
      (_, i) =>
        sql`(${stream}, ${first + i}, ${randomUUID()}, 'BenchEvent', ${JSON.stringify(payload(batch * BATCH + i))}::jsonb, '{}'::jsonb)`,
    );
    await sql`
      INSERT INTO bench_raw_events (stream_id, stream_version, event_id, type, data, metadata)
      VALUES ${sql.join(rows)}`.execute(db);
  });
  return (batches * BATCH) / (elapsedMs(start) / 1000);
}

async function storeAppendRate(db: Kysely<unknown>, events: number): Promise<number> {
  const store = createEventStore({ db });
  const batches = Math.ceil(events / BATCH);
  const run = randomUUID().slice(0, 8);
  const start = performance.now();
  await runWriters(batches, async (writer, batch) => {
    await store.appendToStream(
      `batched-${run}-${writer}-${batch % 10}`,
      Array.from({ length: BATCH }, (_, i) => ({
        type: 'BenchEvent',
        data: payload(batch * BATCH + i),
      })),
    );
  });
  return (batches * BATCH) / (elapsedMs(start) / 1000);
}

async function singleAppendLatencies(db: Kysely<unknown>, count: number): Promise<number[]> {
  const store = createEventStore({ db });
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const start = performance.now();
    await store.appendToStream(`single-${i % 50}`, [{ type: 'BenchEvent', data: payload(i) }]);
    samples.push(elapsedMs(start));
  }
  return samples;
}

async function replayRate(db: Kysely<unknown>): Promise<{ rate: number; events: number }> {
  let handled = 0;
  const projection: Projection<unknown> = {
    name: `bench-replay-${randomUUID()}`,
    handles: ['BenchEvent'],
    async apply(events) {
      handled += events.length;
    },
  };
  let moved = 0;
  const start = performance.now();
  for (;;) {
    const n = await processBatch(db, projection, {
      batchSize: 2000,
      startFrom: 'beginning',
      retry: { attempts: 1, initialDelayMs: 0, maxDelayMs: 0 },
    });
    if (n === 0) break;
    moved += n;
  }
  if (handled !== moved) throw new Error(`replay handled ${handled} of ${moved} events`);
  return { rate: moved / (elapsedMs(start) / 1000), events: moved };
}

export async function eventStoreSuite({ db, quick, progress }: SuiteContext): Promise<Figure[]> {
  const events = quick ? 40_000 : 200_000;
  await createRawTable(db);

  progress(`warming up (${WRITERS} writers, batches of ${BATCH})`);
  await rawInsertRate(db, 5_000);
  await storeAppendRate(db, 5_000);

  progress(`raw batched INSERT baseline: ${events} rows`);
  const raw = await rawInsertRate(db, events);
  progress(`event store batched append: ${events} events`);
  const appended = await storeAppendRate(db, events);

  const singles = quick ? 1_000 : 5_000;
  progress(`single-event appends: ${singles}`);
  const latencies = await singleAppendLatencies(db, singles);

  progress('consumer replay of the whole log');
  const replay = await replayRate(db);
  progress(`replayed ${replay.events} events`);

  return [
    {
      name: 'event store batched append',
      value: Math.round(appended),
      unit: 'events/s',
      better: 'higher',
      baseline: Math.round(raw),
      target: 0.5,
    },
    ...latencyFigures((q) => `single-event append ${q}`, latencies),
    {
      name: 'consumer replay',
      value: Math.round(replay.rate),
      unit: 'events/s',
      better: 'higher',
      target: 50_000,
    },
  ];
}
