import { type Position, positionParts, readHead } from '@tideline/event-store';
import { type Kysely, sql } from 'kysely';

/**
 * The generated social graph. Authors are `user:u1` … `user:u<users>` (u<k> has rank k);
 * followers are the timelines `timeline:u1` … `timeline:u<sources>`. Author k gets
 * `floor(zipfC / k)` followers (Zipf, s = 1), so rank 1 has `zipfC` followers and rank 21
 * exactly `zipfC / 21` — the bench's FANOUT_THRESHOLD — which makes ranks 1–20 the
 * fan-out-on-read authors and rank 21 the largest fan-out-on-write author.
 *
 * Two posting shapes: `uniform` (every author the same number of activities, `u` names)
 * and `followers` (activities in proportion to follower counts, `p` names: `user:p<k>`,
 * `timeline:p<k>`, actor `p<k>`), generated into the same database side by side.
 */
export interface GraphShape {
  posting: 'uniform' | 'followers';
  /** Name letter: authors `user:<letter><k>`, timelines `timeline:<letter><k>`. */
  letter: string;
  /** The readers this dataset gets (their follows are part of the graph). */
  readers: readonly { feed: string; ranks: readonly number[] }[];
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
/** `READER`'s twin in the posting ∝ followers dataset: the same ranks, `p` authors. */
export const PROPORTIONAL_READER = 'timeline:reader_p';

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** The uniform dataset: every author posts `activities / users` times. */
export function graphShape(quick: boolean): GraphShape {
  return shapeOf(quick, 'uniform', 'u', [
    { feed: READER, ranks: [...READER_READ_RANKS, ...READER_WRITE_RANKS] },
    { feed: WRITE_ONLY_READER, ranks: WRITE_ONLY_READER_RANKS },
  ]);
}

/** The same graph and activity count, posting in proportion to follower counts. */
export function proportionalShape(quick: boolean): GraphShape {
  return shapeOf(quick, 'followers', 'p', [
    { feed: PROPORTIONAL_READER, ranks: [...READER_READ_RANKS, ...READER_WRITE_RANKS] },
  ]);
}

function shapeOf(
  quick: boolean,
  posting: GraphShape['posting'],
  letter: string,
  readers: GraphShape['readers'],
): GraphShape {
  const users = quick ? 10_000 : 100_000;
  const activities = quick ? 100_000 : 1_000_000;
  const stepMs = 500;
  // Every activity lies in the past, the newest an hour ago.
  const baseMs = Math.floor(Date.now() / 1000) * 1000 - activities * stepMs - 3_600_000;
  return {
    posting,
    letter,
    readers,
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
  let edges = 0;
  for (const reader of shape.readers) edges += reader.ranks.length;
  for (let k = 1; k <= shape.users; k += 1) edges += followersOfRank(shape, k);
  return edges;
}

/**
 * Activities per author (index k - 1 for rank k): `activities / users` each for `uniform`;
 * for `followers`, in proportion to `followersOfRank`, at least 1 each, rounded by largest
 * remainder so that the total is exactly `activities`.
 */
export function postsPerAuthor(shape: GraphShape): number[] {
  const { users, activities } = shape;
  if (shape.posting === 'uniform') {
    return range(1, users).map((k) => Math.floor((activities - k) / users) + 1);
  }
  const weights = range(1, users).map((k) => followersOfRank(shape, k));
  const counts = new Array<number>(users).fill(0);
  // Authors whose share is below one get exactly one; the rest share what is left.
  const fixed = new Array<boolean>(users).fill(false);
  let budget = activities;
  let weight = weights.reduce((a, b) => a + b, 0);
  for (;;) {
    let changed = false;
    for (let i = 0; i < users; i += 1) {
      if (!fixed[i] && ((weights[i] as number) * budget) / weight < 1) {
        fixed[i] = true;
        counts[i] = 1;
        budget -= 1;
        weight -= weights[i] as number;
        changed = true;
      }
    }
    if (!changed) break;
  }
  const remainders: { i: number; r: number }[] = [];
  let given = 0;
  for (let i = 0; i < users; i += 1) {
    if (fixed[i]) continue;
    const exact = ((weights[i] as number) * budget) / weight;
    counts[i] = Math.floor(exact);
    given += counts[i] as number;
    remainders.push({ i, r: exact - Math.floor(exact) });
  }
  remainders.sort((a, b) => b.r - a.r || a.i - b.i);
  for (let n = 0; n < budget - given; n += 1) {
    const { i } = remainders[n] as { i: number };
    counts[i] = (counts[i] as number) + 1;
  }
  return counts;
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
 * Writes the log (`ActivityAdded` with StoredActivity bodies, `FeedFollowed` per edge) with
 * set-based INSERTs, then derives the projector's read models from it — the same rows the
 * feed projector would have written, positions included. Returns the log head before the
 * generated events (a rebuild starts there).
 *
 * `uniform`: `chunks` transactions, each interleaving its share of follows and posts (no
 * author has copyLimit activities, so every follow's cutoff is "everything"). `followers`:
 * `chunks` transactions of follows, then `chunks` of posts — top authors post tens of
 * thousands of times, so following them later would cut off their history; following
 * first keeps "everything" exact. Only events after the returned head are derived, so a
 * second dataset can be generated next to the first.
 */
export async function generateGraph(
  db: Kysely<unknown>,
  shape: GraphShape,
  progress: (message: string) => void,
): Promise<{ before: Position; events: number }> {
  const before = await readHead(db);
  const head = positionParts(before);
  const afterHead = sql`(transaction_id, position) >
    (${head.transactionId.toString()}::xid8, ${head.sequence.toString()}::bigint)`;

  // ULID layout: 10 characters of time, then 16 of "randomness" (here derived from i).
  await sql
    .raw(`
    CREATE OR REPLACE FUNCTION bench_ulid(t bigint, n bigint) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT ${base32('t', 10)} || '000' || ${base32('n', 13)} $$`)
    .execute(db);

  const { users, activities, zipfC, chunks, letter } = shape;
  const uniform = shape.posting === 'uniform';
  // Activity i: author k, its v-th post, at time t. Uniform: round-robin over authors.
  // Otherwise a table of (i, k, v): author k's j-th of n posts sorts at (j + offset_k) / n,
  // so every author's posts are spread evenly over the whole time range.
  if (!uniform) {
    await sql`DROP TABLE IF EXISTS bench_posts`.execute(db);
    await sql`CREATE UNLOGGED TABLE bench_posts (i int NOT NULL, k int NOT NULL, v int NOT NULL)`.execute(
      db,
    );
    await sql`
      INSERT INTO bench_posts (i, k, v)
      SELECT (row_number() OVER (ORDER BY (j + o) / n, k) - 1)::int, k::int, (j + 1)::int
      FROM (
        SELECT n::float8 AS n, k, k * 0.6180339887498949::float8 - floor(k * 0.6180339887498949::float8) AS o
        FROM unnest(${postsPerAuthor(shape)}::int[]) WITH ORDINALITY AS c(n, k)
      ) AS c
      CROSS JOIN LATERAL generate_series(0, n::int - 1) AS j`.execute(db);
    await sql`CREATE UNIQUE INDEX bench_posts_i_idx ON bench_posts (i)`.execute(db);
    await sql`ANALYZE bench_posts`.execute(db);
  }
  const posts = (lo: number, hi: number) =>
    uniform
      ? sql`SELECT i, i % ${users}::int + 1 AS k, i / ${users}::int + 1 AS v
            FROM generate_series(${lo}::int, ${hi - 1}::int) AS i`
      : sql`SELECT i, k, v FROM bench_posts WHERE i >= ${lo}::int AND i < ${hi}::int`;
  // Distinct activity ids per dataset even where their times coincide.
  const idSalt = uniform ? 0 : 2 ** 40;
  const readerEdges = sql.join(
    shape.readers.map(
      (reader) => sql`SELECT ${reader.feed}::text, ${`user:${letter}`}::text || k
        FROM unnest(${[...reader.ranks]}::int[]) AS k`,
    ),
    sql` UNION ALL `,
  );

  // Each transaction: posts [lo, hi) and follows of chunk `follows` (null: none).
  const transactions: { lo: number; hi: number; follows: number | null }[] = [];
  const bounds = (c: number) => ({
    lo: Math.floor((activities * c) / chunks),
    hi: Math.floor((activities * (c + 1)) / chunks),
  });
  for (let c = 0; c < chunks; c += 1) {
    transactions.push(uniform ? { ...bounds(c), follows: c } : { lo: 0, hi: 0, follows: c });
  }
  if (!uniform)
    for (let c = 0; c < chunks; c += 1) transactions.push({ ...bounds(c), follows: null });

  let events = 0;
  for (const [n, { lo, hi, follows: c }] of transactions.entries()) {
    const followRows =
      c === null
        ? sql``
        : sql`
        UNION ALL
        SELECT 'follow:' || f.source || '>' || f.target, 1, 'FeedFollowed',
          jsonb_build_object('source', f.source, 'target', f.target, 'copyLimit', 100),
          (row_number() OVER ())::float8 / count(*) OVER ()
        FROM (
          SELECT ${`timeline:${letter}`}::text || ((k::bigint * 104729 + j) % ${zipfC}::int + 1) AS source,
                 ${`user:${letter}`}::text || k AS target
          FROM generate_series(1, ${users}::int) AS k
          CROSS JOIN LATERAL generate_series(${c}::int, ${zipfC}::int / k - 1, ${chunks}::int) AS j
          ${c === 0 ? sql`UNION ALL ${readerEdges}` : sql``}
        ) AS f`;
    const inserted = await sql`
      INSERT INTO events (stream_id, stream_version, event_id, type, data)
      SELECT stream_id, stream_version, gen_random_uuid(), type, data FROM (
        SELECT ${`feed:user:${letter}`}::text || a.k AS stream_id, a.v AS stream_version,
          'ActivityAdded' AS type,
          jsonb_build_object(
            'id', bench_ulid(a.t, a.i::bigint * 7919 + 104729 + ${idSalt}::bigint),
            'feed', ${`user:${letter}`}::text || a.k,
            'actor', ${letter}::text || a.k,
            'verb', 'post',
            'object', 'post:' || a.i,
            'time', to_char((timestamptz 'epoch' + a.t * interval '1 millisecond') AT TIME ZONE 'UTC',
                            'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            'to', '[]'::jsonb,
            'extra', jsonb_build_object('caption', 'a reasonably sized caption for post ' || a.i)
          ) AS data,
          (a.i - ${lo}::int)::float8 / ${Math.max(hi - lo, 1)}::int AS ord
        FROM (
          SELECT p.i, p.k, p.v, ${shape.baseMs}::bigint + p.i::bigint * ${shape.stepMs}::int AS t
          FROM (${posts(lo, hi)}) AS p
        ) AS a
        ${followRows}
      ) AS rows ORDER BY ord`.execute(db);
    events += Number(inserted.numAffectedRows ?? 0);
    if ((n + 1) % 5 === 0 || n + 1 === transactions.length) {
      progress(`  log: ${events} events written (${n + 1}/${transactions.length} transactions)`);
    }
  }
  progress(`  log: ${events} events; deriving read models`);

  await sql`
    INSERT INTO streams (stream_id, version)
    SELECT stream_id, max(stream_version) FROM events
    WHERE type IN ('ActivityAdded', 'FeedFollowed') AND ${afterHead} GROUP BY stream_id
    ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version`.execute(db);
  await sql`
    INSERT INTO feed_activities
      (id, feed, foreign_id, time_ms, body, own_feeds, added_position, grouping)
    SELECT data->>'id', data->>'feed', NULL,
      (extract(epoch FROM (data->>'time')::timestamptz) * 1000)::bigint,
      data, ARRAY[data->>'feed'], ${POSITION_SQL},
      ARRAY[data->>'verb', data->>'object', data->>'actor', coalesce(data->>'target', ''),
        to_char((data->>'time')::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD')]
    FROM events WHERE type = 'ActivityAdded' AND ${afterHead}`.execute(db);
  await sql`
    INSERT INTO feed_entries (feed, time_ms, activity_id, added_position)
    SELECT feed, time_ms, id, added_position FROM feed_activities
    WHERE added_position COLLATE "C" > ${before}`.execute(db);
  // Every author has no activities (followers) or fewer than copyLimit (100, uniform) when
  // followed: cutoff = everything.
  await sql`
    INSERT INTO follows (source, target, cutoff_ms, cutoff_id, followed_position)
    SELECT data->>'source', data->>'target', NULL, NULL, ${POSITION_SQL}
    FROM events WHERE type = 'FeedFollowed' AND ${afterHead}`.execute(db);
  // This dataset's feeds are new: their counts come from its own follows alone.
  await sql`
    WITH new_follows AS (
      SELECT source, target FROM follows WHERE followed_position COLLATE "C" > ${before}
    )
    INSERT INTO follower_counts (feed, followers, following)
    SELECT feed, sum(followers), sum(following) FROM (
      SELECT target AS feed, count(*) AS followers, 0 AS following FROM new_follows GROUP BY target
      UNION ALL
      SELECT source, 0, count(*) FROM new_follows GROUP BY source
    ) AS counts GROUP BY feed`.execute(db);
  if (!uniform) await sql`DROP TABLE bench_posts`.execute(db);
  await sql`ANALYZE`.execute(db);
  return { before, events };
}
