import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createDatabase, migrateToLatest } from '@tideline/event-store';
import { sql } from 'kysely';
import pg from 'pg';
import { benchEnv } from './env.js';
import { type Figure, machineInfo, type Report, withRatio, writeReport } from './report.js';
import { apiSuite } from './suites/api.js';
import { auditSuite } from './suites/audit.js';
import { eventStoreSuite } from './suites/event-store.js';
import { fanoutSuite } from './suites/fanout.js';
import { notificationsSuite } from './suites/notifications.js';
import { realtimeSuite } from './suites/realtime.js';

const started = performance.now();
function progress(message: string) {
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${seconds}s] ${message}\n`);
}

async function admin(statement: string) {
  const client = new pg.Client({ connectionString: benchEnv.adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function main() {
  const name = `tideline_bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(benchEnv.adminUrl);
  url.pathname = `/${name}`;
  progress(`creating database ${name}${benchEnv.quick ? ' (quick mode)' : ''}`);
  await admin(`CREATE DATABASE ${name}`);
  const db = createDatabase({
    connectionString: url.toString(),
    max: 10,
    applicationName: 'tideline-bench',
  });
  const figures: Figure[] = [];
  try {
    await migrateToLatest(db);
    const version = await sql<{ server_version: string }>`SHOW server_version`.execute(db);
    const report: Report = {
      machine: machineInfo({ postgres: version.rows[0]?.server_version ?? 'unknown' }),
      quick: benchEnv.quick,
      startedAt: new Date().toISOString(),
      figures,
    };
    const runs = (suite: string) => benchEnv.only === undefined || benchEnv.only === suite;
    const { quick, redisUrl, adminUrl } = benchEnv;
    const connectionString = url.toString();
    // In report order; each suite returns its figures.
    const suites: Record<string, () => Promise<Figure[]>> = {
      'event-store': () => eventStoreSuite({ db, quick, progress }),
      fanout: () => fanoutSuite({ db, quick, progress, connectionString, redisUrl }),
      notifications: () => notificationsSuite({ db, quick, progress, redisUrl }),
      api: () => apiSuite({ db, quick, progress, connectionString, redisUrl }),
      audit: () => auditSuite({ adminUrl, redisUrl, quick, progress }),
      realtime: () => realtimeSuite({ db, quick, progress, connectionString, redisUrl }),
    };
    for (const [name, run] of Object.entries(suites)) {
      if (runs(name)) figures.push(...(await run()).map(withRatio));
    }
    const results = (file: string) => fileURLToPath(new URL(`../results/${file}`, import.meta.url));
    // A partial run (`--only`) must not replace the full report.
    if (benchEnv.only === undefined) {
      await writeReport(report, results('latest.json'), results('latest.md'));
    }
    for (const f of figures) {
      const ratio = f.ratio === undefined ? '' : `  (×${f.ratio} of baseline ${f.baseline})`;
      progress(`${f.name}: ${f.value} ${f.unit}${ratio}`);
    }
    if (benchEnv.only === undefined) progress('wrote bench/results/latest.json and latest.md');
  } finally {
    await db.destroy();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

await main();
