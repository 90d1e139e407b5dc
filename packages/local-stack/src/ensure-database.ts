import pg from 'pg';

const DUPLICATE_DATABASE = '42P04';

/**
 * Creates `database` on the server `adminUrl` points at, unless it exists. Safe when two
 * launchers race: the loser's duplicate-database error is ignored.
 *
 * @returns whether this call created it
 */
export async function ensureDatabase(adminUrl: string, database: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount) return false;
    await client.query(`create database ${client.escapeIdentifier(database)}`);
    return true;
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === DUPLICATE_DATABASE)
      return false;
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}
