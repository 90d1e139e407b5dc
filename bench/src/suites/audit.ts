import { randomBytes } from 'node:crypto';
import {
  createDatabase,
  migrateToLatest,
  type Projection,
  processBatch,
} from '@tideline/event-store';
import {
  addActivities,
  defaultFeedsConfig,
  feedMigrations,
  feedProjector,
  followMany,
  markFeed,
  refreshAuthorEntries,
  removeActivity,
  updateActivity,
} from '@tideline/feeds';
import { Redis } from 'ioredis';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import type { Figure } from '../report.js';
import { elapsedMs, round } from '../stats.js';

/** The consumer's default batch size. */
const BATCH = 2000;

/**
 * Audit trail and materialized view (docs/audit-and-views.md), on a database of their own
 * (the audit triggers are switched off and on there). A workload of follows, posts with
 * `to` copies, updates, removals and marks is replayed by the feed projector (replay mode:
 * PostgreSQL only) with the audit triggers enabled and, as the baseline, disabled — the
 * two runs alternate, twice each, best of each kept. Then the view is refreshed.
 */
export async function auditSuite({
  adminUrl,
  redisUrl,
  quick,
  progress,
}: {
  adminUrl: string;
  redisUrl: string;
  quick: boolean;
  progress(message: string): void;
}): Promise<Figure[]> {
  const name = `tideline_bench_audit_${randomBytes(4).toString('hex')}`;
  await admin(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = createDatabase<unknown>({ connectionString: url.toString(), max: 10 });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    await migrateToLatest(db, feedMigrations);
    const users = quick ? 1_000 : 4_000;
    progress(`audit: writing a workload for ${users} users`);
    const events = await generateWorkload(db, users);
    const triggers = await auditTriggers(db);
    progress(
      `audit: ${events} events; replaying with and without ${triggers.length} audit triggers`,
    );

    const runs = { on: [] as number[], off: [] as number[] };
    let auditRows = 0;
    let auditBytes = 0;
    for (const mode of ['off', 'on', 'off', 'on'] as const) {
      await setTriggers(db, triggers, mode === 'on');
      const { rate } = await replay(db, redis, `bench-audit-${runs[mode].length}-${mode}`);
      runs[mode].push(rate);
      if (mode === 'on') {
        const size = await sql<{ rows: number; bytes: number }>`
          SELECT count(*)::int AS rows, coalesce(sum(pg_column_size(a.*)), 0)::float8 AS bytes
          FROM audit_log a WHERE operation <> 'TRUNCATE'`.execute(db);
        auditRows = size.rows[0]?.rows ?? 0;
        auditBytes = size.rows[0]?.bytes ?? 0;
      }
      progress(`  audit: replay with triggers ${mode}: ${Math.round(rate)} events/s`);
    }
    await setTriggers(db, triggers, true);

    // The projector's checkpoint as the view records it: that of the last replay.
    await sql`DELETE FROM consumer_checkpoints WHERE name = 'feeds'`.execute(db);
    await sql`UPDATE consumer_checkpoints SET name = 'feeds'
              WHERE name = ${`bench-audit-1-on`}`.execute(db);
    const refreshed = await refreshAuthorEntries(db, {
      depth: defaultFeedsConfig.timelineMax,
      minFollowers: 50,
      intervalMs: 0,
    });
    const refresh = refreshed.status === 'refreshed' ? refreshed : undefined;
    progress(`audit: view refresh ${refresh?.durationMs} ms, ${refresh?.entries} rows`);

    const best = (rates: number[]) => Math.round(Math.max(...rates));
    return [
      {
        name: `audit: feed projector replay with the audit triggers on (baseline: off), ${events} events (batches of ${BATCH})`,
        value: best(runs.on),
        unit: 'events/s',
        better: 'higher',
        baseline: best(runs.off),
      },
      {
        name: 'audit: audit rows per replayed event (bytes per row)',
        value: round(auditRows / events),
        unit: `rows (${Math.round(auditBytes / Math.max(auditRows, 1))} B each)`,
        better: 'lower',
      },
      {
        name: `materialized view: REFRESH CONCURRENTLY of author_recent_entries (${refresh?.entries ?? 0} rows, authors with > 50 followers)`,
        value: refresh?.durationMs ?? 0,
        unit: 'ms',
        better: 'lower',
      },
    ];
  } finally {
    redis.disconnect();
    await db.destroy();
    await admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

async function admin(adminUrl: string, statement: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A deterministic pseudo-random sequence (LCG), so every run writes the same workload. */
function sequence(seed: number) {
  let state = seed >>> 0;
  return (n: number) => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state % n;
  };
}

/**
 * Each user follows up to 10 others (skewed: low user numbers are popular), posts 8 activities
 * in batches of up to 100 (one in five also to a notification feed), then 5% of the posts
 * are updated and 5% removed, and a tenth of the users mark their notifications.
 */
async function generateWorkload(db: Kysely<unknown>, users: number): Promise<number> {
  const pick = sequence(7919);
  const user = (n: number) => `user:u${n}`;
  const edges = new Map<string, { source: string; target: string }>();
  for (let source = 0; source < users; source += 1) {
    for (let k = 0; k < 10; k += 1) {
      const target = Math.floor((pick(users) * pick(users)) / users);
      edges.set(`${source}>${target}`, { source: `timeline:u${source}`, target: user(target) });
    }
  }
  const follows = [...edges.values()];
  for (let i = 0; i < follows.length; i += 1000) await followMany(db, follows.slice(i, i + 1000));
  const posted: { feed: string; id: string }[] = [];
  const start = Date.parse('2024-05-01T00:00:00Z');
  for (let first = 0; first < users; first += 12) {
    // 12 users' posts per append, 8 each: one feed per append, so one feed per call.
    for (let u = first; u < Math.min(users, first + 12); u += 1) {
      const added = await addActivities(
        db,
        user(u),
        Array.from({ length: 8 }, (_, k) => ({
          actor: `u${u}`,
          verb: ['post', 'like', 'share'][k % 3] ?? 'post',
          object: `photo:${u}:${k}`,
          time: new Date(start + (u * 8 + k) * 60_000).toISOString(),
          ...(pick(5) === 0 ? { to: [`notification:u${pick(users)}`] } : {}),
          extra: { caption: 'a caption of a reasonable length', n: k },
        })),
      );
      for (const { activity } of added) posted.push({ feed: user(u), id: activity.id });
    }
  }
  for (const [i, { feed, id }] of posted.entries()) {
    if (i % 20 === 7) await updateActivity(db, id, { set: { edited: true } });
    if (i % 20 === 13) await removeActivity(db, feed, { id });
  }
  for (let u = 0; u < users; u += 10) await markFeed(db, `notification:u${u}`, { seen: true });
  const count = await sql<{ n: number }>`SELECT count(*)::int AS n FROM events`.execute(db);
  return count.rows[0]?.n ?? 0;
}

async function auditTriggers(db: Kysely<unknown>): Promise<{ table: string; name: string }[]> {
  const result = await sql<{ table: string; name: string }>`
    SELECT tgrelid::regclass::text AS table, tgname AS name FROM pg_trigger
    WHERE tgname LIKE 'audit\\_%' AND NOT tgisinternal ORDER BY 1, 2`.execute(db);
  return result.rows;
}

async function setTriggers(
  db: Kysely<unknown>,
  triggers: readonly { table: string; name: string }[],
  enabled: boolean,
): Promise<void> {
  for (const { table, name } of triggers) {
    await sql`ALTER TABLE ${sql.table(table)} ${sql.raw(enabled ? 'ENABLE' : 'DISABLE')} TRIGGER ${sql.id(name)}`.execute(
      db,
    );
  }
}

/** Empties the read models and the audit, then replays the whole log; events/s. */
async function replay(db: Kysely<unknown>, redis: Redis, name: string): Promise<{ rate: number }> {
  const projection: Projection<unknown> = {
    ...feedProjector({
      redis,
      queue: { enqueue: async () => {} },
      config: { ...defaultFeedsConfig, redisPrefix: `bench-audit:${name}:` },
      replay: true,
    }),
    name,
  };
  await db.transaction().execute(async (tx) => {
    await projection.reset?.({ tx });
    await sql`TRUNCATE audit_log`.execute(tx);
  });
  await sql`VACUUM ANALYZE`.execute(db);
  let moved = 0;
  const start = performance.now();
  for (;;) {
    const n = await processBatch(db, projection, {
      batchSize: BATCH,
      startFrom: 'beginning',
      retry: { attempts: 1, initialDelayMs: 0, maxDelayMs: 0 },
    });
    if (n === 0) break;
    moved += n;
  }
  return { rate: moved / (elapsedMs(start) / 1000) };
}
