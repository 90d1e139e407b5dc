import { type Position, positionOfRow } from '@tideline/event-store';
import { type Kysely, sql } from 'kysely';

/**
 * The generated social graph. Authors are `user:u1` … `user:u<users>` (u<k> has rank k);
 * followers are the timelines `timeline:u1` … `timeline:u<sources>`. Author k gets
 * `floor(zipfC / k)` followers (Zipf, s = 1), so rank 1 has `zipfC` followers and rank 21
 * exactly `zipfC / 21` — the bench's FANOUT_THRESHOLD — which makes ranks 1–20 the
 * fan-out-on-read authors and rank 21 the largest fan-out-on-write author.
 */
export interface GraphShape {
  users: number;
  activities: number;
  zipfC: number;
  /** Activity times: `baseMs + i * stepMs` for activity i. */
  baseMs: number;
  stepMs: number;
  /** The log is written in this many transactions, each interleaving follows and posts. */
  chunks: number;
}

/** Follows every fan-out-on-read author (ranks 1–20) and 200 fan-out-on-write ones. */
export const READER = 'timeline:reader';
export const READER_READ_RANKS = range(1, 20);
export const READER_WRITE_RANKS = range(1001, 1200);
/** Follows 220 fan-out-on-write authors only: the same read without the merge. */
export const WRITE_ONLY_READER = 'timeline:reader_w';
export const WRITE_ONLY_READER_RANKS = range(1001, 1220);

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

export function graphShape(quick: boolean): GraphShape {
  const users = quick ? 10_000 : 100_000;
  const activities = quick ? 100_000 : 1_000_000;
  const stepMs = 500;
  // Every activity lies in the past, the newest an hour ago.
  const baseMs = Math.floor(Date.now() / 1000) * 1000 - activities * stepMs - 3_600_000;
  return {
    users,
    activities,
    zipfC: quick ? 21_000 : 210_000,
    baseMs,
    stepMs,
    chunks: quick ? 10 : 20,
  };
}

export const threshold = (shape: GraphShape) => Math.floor(shape.zipfC / 21);
export const author = (rank: number) => `user:u${rank}`;
export const followersOfRank = (shape: GraphShape, rank: number) => Math.floor(shape.zipfC / rank);

export function edgeCount(shape: GraphShape): number {
  let edges = READER_READ_RANKS.length + READER_WRITE_RANKS.length + WRITE_ONLY_READER_RANKS.length;
  for (let k = 1; k <= shape.users; k += 1) edges += followersOfRank(shape, k);
  return edges;
}

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** `n` Crockford base32 characters of `value`, as one inlinable SQL expression. */
function base32(value: string, n: number): string {
  return Array.from(
    { length: n },
    (_, p) => `substr('${ALPHABET}', ((${value} >> ${5 * (n - 1 - p)}) & 31)::int + 1, 1)`,
  ).join(' || ');
}

/** The SQL text of a position (`positionOfRow`) from an events row. */
const POSITION_SQL = sql.raw(
  `lpad(to_hex(transaction_id::text::bigint), 16, '0') || lpad(to_hex(position), 16, '0')`,
);

/**
 * Writes the log (`ActivityAdded` with StoredActivity bodies, `FeedFollowed` per edge, in
 * `chunks` interleaved transactions) with set-based INSERTs, then derives the projector's
 * read models from it — the same rows the feed projector would have written, positions
 * included. Returns the log head before the generated events (a rebuild starts there).
 */
export async function generateGraph(
  db: Kysely<unknown>,
  shape: GraphShape,
  progress: (message: string) => void,
): Promise<{ before: Position; events: number }> {
  const head = await sql<{ transaction_id: string; position: number }>`
    SELECT transaction_id::text AS transaction_id, position FROM events
    ORDER BY transaction_id DESC, position DESC LIMIT 1`.execute(db);
  const first = head.rows[0];
  const before = first ? positionOfRow(first) : ('0'.repeat(32) as Position);

  // ULID layout: 10 characters of time, then 16 of "randomness" (here derived from i).
  await sql
    .raw(`
    CREATE OR REPLACE FUNCTION bench_ulid(t bigint, n bigint) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT ${base32('t', 10)} || '000' || ${base32('n', 13)} $$`)
    .execute(db);

  const { users, activities, zipfC, chunks } = shape;
  let events = 0;
  for (let c = 0; c < chunks; c += 1) {
    const lo = Math.floor((activities * c) / chunks);
    const hi = Math.floor((activities * (c + 1)) / chunks);
    const readerEdges =
      c === 0
        ? sql`UNION ALL SELECT ${READER}, 'user:u' || k
              FROM unnest(${[...READER_READ_RANKS, ...READER_WRITE_RANKS]}::int[]) AS k
              UNION ALL SELECT ${WRITE_ONLY_READER}, 'user:u' || k
              FROM unnest(${WRITE_ONLY_READER_RANKS}::int[]) AS k`
        : sql``;
    const inserted = await sql`
      INSERT INTO events (stream_id, stream_version, event_id, type, data)
      SELECT stream_id, stream_version, gen_random_uuid(), type, data FROM (
        SELECT 'feed:user:u' || a.k AS stream_id, a.i / ${users}::int + 1 AS stream_version,
          'ActivityAdded' AS type,
          jsonb_build_object(
            'id', bench_ulid(a.t, a.i::bigint * 7919 + 104729),
            'feed', 'user:u' || a.k,
            'actor', 'u' || a.k,
            'verb', 'post',
            'object', 'post:' || a.i,
            'time', to_char((timestamptz 'epoch' + a.t * interval '1 millisecond') AT TIME ZONE 'UTC',
                            'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            'to', '[]'::jsonb,
            'extra', jsonb_build_object('caption', 'a reasonably sized caption for post ' || a.i)
          ) AS data,
          (a.i - ${lo}::int)::float8 / ${Math.max(hi - lo, 1)}::int AS ord
        FROM (
          SELECT i, i % ${users}::int + 1 AS k, ${shape.baseMs}::bigint + i::bigint * ${shape.stepMs}::int AS t
          FROM generate_series(${lo}::int, ${hi - 1}::int) AS i
        ) AS a
        UNION ALL
        SELECT 'follow:' || f.source || '>' || f.target, 1, 'FeedFollowed',
          jsonb_build_object('source', f.source, 'target', f.target, 'copyLimit', 100),
          (row_number() OVER ())::float8 / count(*) OVER ()
        FROM (
          SELECT 'timeline:u' || ((k::bigint * 104729 + j) % ${zipfC}::int + 1) AS source,
                 'user:u' || k AS target
          FROM generate_series(1, ${users}::int) AS k
          CROSS JOIN LATERAL generate_series(${c}::int, ${zipfC}::int / k - 1, ${chunks}::int) AS j
          ${readerEdges}
        ) AS f
      ) AS rows ORDER BY ord`.execute(db);
    events += Number(inserted.numAffectedRows ?? 0);
    if ((c + 1) % 5 === 0 || c + 1 === chunks) {
      progress(`  log: ${events} events written (${c + 1}/${chunks} transactions)`);
    }
  }
  progress(`  log: ${events} events; deriving read models`);

  await sql`
    INSERT INTO streams (stream_id, version)
    SELECT stream_id, max(stream_version) FROM events
    WHERE type IN ('ActivityAdded', 'FeedFollowed') GROUP BY stream_id
    ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version`.execute(db);
  await sql`
    INSERT INTO feed_activities (id, feed, foreign_id, time_ms, body, own_feeds, added_position)
    SELECT data->>'id', data->>'feed', NULL,
      (extract(epoch FROM (data->>'time')::timestamptz) * 1000)::bigint,
      data, ARRAY[data->>'feed'], ${POSITION_SQL}
    FROM events WHERE type = 'ActivityAdded'`.execute(db);
  await sql`
    INSERT INTO feed_entries (feed, time_ms, activity_id, added_position)
    SELECT feed, time_ms, id, added_position FROM feed_activities`.execute(db);
  // Every author has fewer than copyLimit (100) activities when followed: cutoff = everything.
  await sql`
    INSERT INTO follows (source, target, cutoff_ms, cutoff_id, followed_position)
    SELECT data->>'source', data->>'target', NULL, NULL, ${POSITION_SQL}
    FROM events WHERE type = 'FeedFollowed'`.execute(db);
  await sql`
    INSERT INTO follower_counts (feed, followers, following)
    SELECT feed, sum(followers), sum(following) FROM (
      SELECT target AS feed, count(*) AS followers, 0 AS following FROM follows GROUP BY target
      UNION ALL
      SELECT source, 0, count(*) FROM follows GROUP BY source
    ) AS counts GROUP BY feed`.execute(db);
  await sql`ANALYZE`.execute(db);
  return { before, events };
}
