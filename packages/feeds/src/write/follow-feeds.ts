import {
  type FollowInput,
  followInputSchema,
  followManyInputSchema,
  parseInput,
  TidelineError,
  unfollowInputSchema,
} from '@tideline/domain';
import { appendToStreams, type Position, positionOfRow } from '@tideline/event-store';
import { type Kysely, type QueryExecutorProvider, sql } from 'kysely';
import { type CommandContext, metadataOf, retryOnConflict } from './command-context.js';
import { followStreamName } from './stream-names.js';

export interface FollowResult {
  position: Position;
  /** False when nothing changed (already following / not following). */
  changed: boolean;
}

/**
 * `source` follows `target`, copying the target's latest `copyLimit` activities. Following
 * twice is a no-op that returns the first follow's position.
 *
 * @example
 * await follow(db, { source: 'timeline:ana', target: 'user:bob', copyLimit: 20 });
 */
export async function follow(
  db: Kysely<unknown>,
  input: unknown,
  context: CommandContext = {},
): Promise<FollowResult> {
  const edge = parseInput(followInputSchema, input);
  const [result] = await followEdges(db, [edge], context);
  if (!result) throw new Error('followEdges returned nothing');
  return result;
}

/** Up to 1000 follows in one transaction; each one alone behaves like `follow`. */
export async function followMany(
  db: Kysely<unknown>,
  input: unknown,
  context: CommandContext = {},
): Promise<{ position: Position; results: FollowResult[] }> {
  const results = await followEdges(db, parseInput(followManyInputSchema, input), context);
  const last = results
    .map((r) => r.position)
    .sort()
    .at(-1);
  // The schema guarantees at least one follow, hence one position.
  if (last === undefined) throw new Error('followMany produced no position');
  return { position: last, results };
}

/**
 * `source` stops following `target`; the copied activities go unless `keepHistory`.
 * Unfollowing an edge that never existed is `NOT_FOUND`; unfollowing twice is a no-op.
 */
export async function unfollow(
  db: Kysely<unknown>,
  input: unknown,
  context: CommandContext = {},
): Promise<FollowResult> {
  const edge = parseInput(unfollowInputSchema, input);
  const stream = followStreamName(edge.source, edge.target);
  return retryOnConflict(() =>
    db.transaction().execute(async (tx) => {
      const head = (await readEdgeHeads(tx, [stream])).get(stream);
      if (!head) {
        throw new TidelineError('NOT_FOUND', `${edge.source} does not follow ${edge.target}`);
      }
      if (head.type !== 'FeedFollowed') return { position: head.position, changed: false };
      const [appended] = await appendToStreams(tx, [
        {
          streamId: stream,
          expectedVersion: head.version,
          events: [{ type: 'FeedUnfollowed', data: edge, metadata: metadataOf(context) }],
        },
      ]);
      if (!appended) throw new Error('appendToStreams returned nothing');
      return { position: appended.position, changed: true };
    }),
  );
}

async function followEdges(
  db: Kysely<unknown>,
  edges: readonly FollowInput[],
  context: CommandContext,
): Promise<FollowResult[]> {
  const streams = edges.map((edge) => followStreamName(edge.source, edge.target));
  return retryOnConflict(() =>
    db.transaction().execute(async (tx) => {
      const heads = await readEdgeHeads(tx, streams);
      const toAppend = edges
        .map((edge, index) => ({
          edge,
          stream: streams[index] ?? '',
          head: heads.get(streams[index] ?? ''),
        }))
        .filter(({ head }) => head?.type !== 'FeedFollowed');
      const appended = await appendToStreams(
        tx,
        toAppend.map(({ edge, stream, head }) => ({
          streamId: stream,
          expectedVersion: head?.version ?? 'no_stream',
          events: [{ type: 'FeedFollowed', data: edge, metadata: metadataOf(context) }],
        })),
      );
      const byStream = new Map(toAppend.map(({ stream }, index) => [stream, appended[index]]));
      return streams.map((stream) => {
        const fresh = byStream.get(stream);
        if (fresh) return { position: fresh.position, changed: true };
        const head = heads.get(stream);
        if (!head) throw new Error(`no head for ${stream}`);
        return { position: head.position, changed: false };
      });
    }),
  );
}

interface EdgeHead {
  type: string;
  version: number;
  position: Position;
}

/** The last event of each follow-edge stream, in one query. */
async function readEdgeHeads(
  executor: QueryExecutorProvider,
  streams: readonly string[],
): Promise<Map<string, EdgeHead>> {
  const result = await sql<{
    stream_id: string;
    stream_version: number;
    type: string;
    transaction_id: string;
    position: number;
  }>`
    SELECT DISTINCT ON (stream_id) stream_id, stream_version, type,
      transaction_id::text AS transaction_id, position
    FROM events WHERE stream_id = ANY(${streams}::text[])
    ORDER BY stream_id, stream_version DESC`.execute(executor);
  return new Map(
    result.rows.map((row) => [
      row.stream_id,
      { type: row.type, version: row.stream_version, position: positionOfRow(row) },
    ]),
  );
}
