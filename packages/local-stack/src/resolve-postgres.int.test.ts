import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@tideline/event-store/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStackError } from './local-stack-error.js';
import { probePostgres } from './probe-postgres.js';
import { LOCAL_POSTGRES_URL, resolvePostgres } from './resolve-postgres.js';
import type { RunningService } from './running-service.js';
import { captureLogs } from './testing/silent-logger.js';

async function selectOne(url: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('select 1 as one')).rows[0];
  } finally {
    await client.end();
  }
}

describe('resolvePostgres', () => {
  let base: string;
  const started: RunningService[] = [];
  const createdDatabases: string[] = [];

  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'tideline-pg-'));
    // mkdtemp makes 0700 folders; as root, PostgreSQL runs as `postgres` and must enter it.
    await chmod(base, 0o755);
  });

  afterAll(async () => {
    await Promise.all(started.map((service) => service.stop()));
    const admin = new pg.Client({ connectionString: LOCAL_POSTGRES_URL });
    await admin.connect();
    for (const name of createdDatabases)
      await admin.query(`drop database if exists ${admin.escapeIdentifier(name)} with (force)`);
    await admin.end();
    await rm(base, { recursive: true, force: true });
  });

  it('starts an embedded PostgreSQL when nothing answers on the local port, and stops it', async () => {
    const { logger } = captureLogs();
    const embeddedPort = await freePort();
    const postgres = await resolvePostgres({
      localUrl: `postgres://postgres@127.0.0.1:${await freePort()}/postgres`,
      embeddedDataDir: path.join(base, 'postgres'),
      embeddedPort,
      logger,
    });
    started.push(postgres);

    expect(postgres.source).toBe('started');
    expect(new URL(postgres.url)).toMatchObject({
      port: String(embeddedPort),
      pathname: '/tideline',
    });
    expect(await selectOne(postgres.url)).toEqual({ one: 1 });

    await postgres.stop();
    expect((await probePostgres(postgres.url, 1_000)).ok).toBe(false);
  });

  it('creates the database on a local PostgreSQL that answers, and uses it', async () => {
    const database = `tideline_resolve_${process.pid}_${Date.now()}`;
    createdDatabases.push(database);
    const { logger } = captureLogs();

    const postgres = await resolvePostgres({
      localUrl: LOCAL_POSTGRES_URL,
      database,
      embeddedDataDir: path.join(base, 'unused'),
      embeddedPort: await freePort(),
      logger,
    });

    expect(postgres.source).toBe('local');
    expect(postgres.url).toBe(`postgres://postgres@127.0.0.1:5432/${database}`);
    expect(await selectOne(postgres.url)).toEqual({ one: 1 });
  });

  it('fails with one line when DATABASE_URL does not answer, instead of falling back', async () => {
    const port = await freePort();
    const attempt = resolvePostgres({
      databaseUrl: `postgres://app:secret@127.0.0.1:${port}/tideline`,
      embeddedDataDir: path.join(base, 'unused'),
      embeddedPort: await freePort(),
      logger: captureLogs().logger,
    });

    await expect(attempt).rejects.toThrow(LocalStackError);
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `^PostgreSQL at DATABASE_URL \\(postgres://app:\\*\\*\\*@127.0.0.1:${port}/tideline\\) is unreachable: .*ECONNREFUSED.*; start it or fix DATABASE_URL$`,
      ),
    );
  });
});
