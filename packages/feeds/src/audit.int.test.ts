import { sql, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditedTables } from './migrations/0103-audit.js';
import { feedProjector } from './project/feed-projector.js';
import { createFeedHarness, type FeedHarness } from './testing/feed-harness.js';
import { addActivity } from './write/add-activities.js';
import { follow } from './write/follow-feeds.js';
import { removeActivity } from './write/remove-activity.js';

/**
 * docs/product.md §6: the read models' audit trail — statement-level triggers with transition tables
 * write one audit row per changed row, with its old and new image and the writing
 * transaction's id.
 */

let h: FeedHarness;
beforeAll(async () => {
  h = await createFeedHarness('audit');
});
afterAll(() => h.destroy());

const db = () => h.testDb.db;

interface AuditRow {
  id: string;
  transaction_id: string;
  table_name: string;
  operation: string;
  old_row: Record<string, unknown> | null;
  new_row: Record<string, unknown> | null;
}

/** The audit rows written after `after` (an audit id), oldest first. */
async function auditAfter(after: string, table?: string): Promise<AuditRow[]> {
  const result = await sql<AuditRow>`
    SELECT id::text, transaction_id::text, table_name, operation, old_row, new_row
    FROM audit_log
    WHERE id > ${after}::bigint AND (${table ?? null}::text IS NULL OR table_name = ${table ?? null})
    ORDER BY id`.execute(db());
  return result.rows;
}

async function lastAuditId(): Promise<string> {
  const result = await sql<{ id: string }>`
    SELECT coalesce(max(id), 0)::text AS id FROM audit_log`.execute(db());
  return result.rows[0]?.id ?? '0';
}

/** Runs `statements` in one transaction; returns that transaction's id. */
async function inTransaction(
  statements: (tx: Transaction<unknown>) => Promise<unknown>,
): Promise<string> {
  return db()
    .transaction()
    .execute(async (tx) => {
      await statements(tx);
      const xid = await sql<{ xid: string }>`SELECT pg_current_xact_id()::text AS xid`.execute(tx);
      return xid.rows[0]?.xid ?? '';
    });
}

describe('audit rows per statement', () => {
  it('given a multi-row INSERT, then each row gets one INSERT audit row with its new image', async () => {
    const start = await lastAuditId();
    const xid = await inTransaction((tx) =>
      sql`
        INSERT INTO follower_counts (feed, followers, following)
        VALUES ('user:ins-a', 1, 0), ('user:ins-b', 2, 0), ('user:ins-c', 3, 0)`.execute(tx),
    );

    const rows = await auditAfter(start);
    expect(rows.map((r) => [r.table_name, r.operation, r.transaction_id, r.old_row])).toEqual([
      ['follower_counts', 'INSERT', xid, null],
      ['follower_counts', 'INSERT', xid, null],
      ['follower_counts', 'INSERT', xid, null],
    ]);
    expect(
      rows.map((r) => r.new_row).sort((a, b) => String(a?.feed).localeCompare(String(b?.feed))),
    ).toEqual([
      { feed: 'user:ins-a', followers: 1, following: 0 },
      { feed: 'user:ins-b', followers: 2, following: 0 },
      { feed: 'user:ins-c', followers: 3, following: 0 },
    ]);
  });

  it('given a multi-row UPDATE, then each row gets one UPDATE audit row pairing its old and new image by key', async () => {
    await sql`
      INSERT INTO follower_counts (feed, followers, following)
      VALUES ('user:upd-a', 10, 1), ('user:upd-b', 20, 2)`.execute(db());
    const start = await lastAuditId();
    const xid = await inTransaction((tx) =>
      sql`
        UPDATE follower_counts SET followers = followers + 1
        WHERE feed IN ('user:upd-a', 'user:upd-b')`.execute(tx),
    );

    const rows = await auditAfter(start);
    expect(rows).toHaveLength(2);
    const byFeed = new Map(rows.map((r) => [r.old_row?.feed, r]));
    expect(byFeed.get('user:upd-a')).toMatchObject({
      operation: 'UPDATE',
      transaction_id: xid,
      old_row: { feed: 'user:upd-a', followers: 10, following: 1 },
      new_row: { feed: 'user:upd-a', followers: 11, following: 1 },
    });
    expect(byFeed.get('user:upd-b')).toMatchObject({
      operation: 'UPDATE',
      transaction_id: xid,
      old_row: { feed: 'user:upd-b', followers: 20, following: 2 },
      new_row: { feed: 'user:upd-b', followers: 21, following: 2 },
    });
  });

  it('given a multi-row DELETE, then each row gets one DELETE audit row with its old image', async () => {
    await sql`
      INSERT INTO follows (source, target, cutoff_ms, cutoff_id, followed_position)
      VALUES ('timeline:del', 'user:del-a', NULL, NULL, 'p1'),
             ('timeline:del', 'user:del-b', 5, 'x', 'p2')`.execute(db());
    const start = await lastAuditId();
    const xid = await inTransaction((tx) =>
      sql`DELETE FROM follows WHERE source = 'timeline:del'`.execute(tx),
    );

    const rows = await auditAfter(start);
    expect(rows.map((r) => [r.table_name, r.operation, r.transaction_id, r.new_row])).toEqual([
      ['follows', 'DELETE', xid, null],
      ['follows', 'DELETE', xid, null],
    ]);
    expect(
      rows.map((r) => r.old_row).sort((a, b) => String(a?.target).localeCompare(String(b?.target))),
    ).toEqual([
      {
        source: 'timeline:del',
        target: 'user:del-a',
        cutoff_ms: null,
        cutoff_id: null,
        followed_position: 'p1',
      },
      {
        source: 'timeline:del',
        target: 'user:del-b',
        cutoff_ms: 5,
        cutoff_id: 'x',
        followed_position: 'p2',
      },
    ]);
  });

  it('given an upsert, then inserted rows are audited as INSERT and conflicting rows as UPDATE', async () => {
    await sql`INSERT INTO feed_mark_all (feed, seen_position) VALUES ('notification:ups-a', 'p1')`.execute(
      db(),
    );
    const start = await lastAuditId();
    await sql`
      INSERT INTO feed_mark_all AS m (feed, seen_position)
      VALUES ('notification:ups-a', 'p2'), ('notification:ups-b', 'p3')
      ON CONFLICT (feed) DO UPDATE SET seen_position = EXCLUDED.seen_position`.execute(db());

    // Both statement triggers fire; in which order is PostgreSQL's business.
    const rows = (await auditAfter(start)).sort((a, b) => a.operation.localeCompare(b.operation));
    expect(rows.map((r) => [r.operation, r.old_row, r.new_row])).toEqual([
      ['INSERT', null, { feed: 'notification:ups-b', seen_position: 'p3', read_position: null }],
      [
        'UPDATE',
        { feed: 'notification:ups-a', seen_position: 'p1', read_position: null },
        { feed: 'notification:ups-a', seen_position: 'p2', read_position: null },
      ],
    ]);
  });

  it('given several statements in one transaction, then all their audit rows carry that one transaction id', async () => {
    const start = await lastAuditId();
    const xid = await inTransaction(async (tx) => {
      await sql`INSERT INTO feed_marks (feed, group_id, seen_position) VALUES ('notification:tx', 'g1', 'p1')`.execute(
        tx,
      );
      await sql`UPDATE feed_marks SET read_position = 'p2' WHERE feed = 'notification:tx'`.execute(
        tx,
      );
      await sql`DELETE FROM feed_marks WHERE feed = 'notification:tx'`.execute(tx);
    });
    const other = await inTransaction((tx) =>
      sql`INSERT INTO feed_marks (feed, group_id) VALUES ('notification:tx', 'g2')`.execute(tx),
    );

    const rows = await auditAfter(start);
    expect(rows.map((r) => [r.operation, r.transaction_id])).toEqual([
      ['INSERT', xid],
      ['UPDATE', xid],
      ['DELETE', xid],
      ['INSERT', other],
    ]);
    expect(other).not.toBe(xid);
  });

  it('given a statement that changes no row, then it writes no audit row', async () => {
    const start = await lastAuditId();
    await sql`UPDATE follows SET cutoff_ms = 1 WHERE source = 'timeline:nobody'`.execute(db());
    expect(await auditAfter(start)).toEqual([]);
  });
});

describe('audit of the projector', () => {
  it('given an activity added to a followed feed and then removed, then the audit shows each read-model change', async () => {
    h.start();
    const start = await lastAuditId();
    await follow(db(), { source: 'timeline:aud-fan', target: 'user:aud-ana' });
    const { activity } = await addActivity(db(), 'user:aud-ana', {
      actor: 'aud-ana',
      verb: 'post',
      object: 'photo:1',
      to: ['notification:aud-bob'],
    });
    await removeActivity(db(), 'user:aud-ana', { id: activity.id });
    await h.quiesce();

    const rows = await auditAfter(start);
    const of = (table: string) =>
      rows.filter((r) => r.table_name === table).map((r) => r.operation);
    expect(of('follows')).toEqual(['INSERT']);
    expect(of('follower_counts')).toEqual(['INSERT', 'INSERT']); // target and source
    expect(of('feed_activities')).toEqual(['INSERT', 'UPDATE']);
    // One entry per own feed, added and then deleted.
    expect(of('feed_entries')).toEqual(['INSERT', 'INSERT', 'DELETE', 'DELETE']);
    const removal = rows.find(
      (r) => r.table_name === 'feed_activities' && r.operation === 'UPDATE',
    );
    expect(removal?.old_row).toMatchObject({ id: activity.id, removed_position: null });
    expect(removal?.new_row).toMatchObject({ id: activity.id });
    expect(removal?.new_row?.removed_position).toEqual(expect.any(String));
    expect(rows.some((r) => r.table_name === 'feed_groups')).toBe(false);
  });

  it('given a projector reset for a rebuild, then each audited table gets one TRUNCATE row without images', async () => {
    const start = await lastAuditId();
    const projector = feedProjector({
      redis: h.redis,
      queue: { enqueue: async () => {} },
      config: h.config,
      replay: true,
    });
    const xid = await inTransaction((tx) => projector.reset?.({ tx }) ?? Promise.resolve());

    const rows = await auditAfter(start);
    expect(rows.map((r) => r.table_name).sort()).toEqual(Object.keys(auditedTables).sort());
    for (const row of rows) {
      expect(row).toMatchObject({ operation: 'TRUNCATE', transaction_id: xid });
      expect([row.old_row, row.new_row]).toEqual([null, null]);
    }
  });
});
