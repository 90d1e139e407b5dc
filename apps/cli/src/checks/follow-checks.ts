import { findFeedGroup, isFollowable } from '@tideline/domain';
import { sql } from 'kysely';
import { type Check, ok, warn } from './check.js';

const name = 'config: follow targets';

/**
 * Follow edges whose target's group the configuration does not declare `followable`.
 * The API refuses such follows, but an edge made before a group's declaration changed (or
 * before Tideline checked it) goes on delivering the target into its source, so a
 * notification or timeline feed may still be readable through it: list them to unfollow.
 */
export const followTargetCheck: Check = {
  name,
  async run({ db, groups }) {
    const { rows } = await sql<{ group: string; edges: string; example: string }>`
      SELECT split_part(target, ':', 1) AS group, count(*)::text AS edges,
        min(source || ' -> ' || target) AS example
      FROM follows GROUP BY 1 ORDER BY 1`.execute(db);
    const refused = rows.filter((row) => !isFollowable(findFeedGroup(groups, row.group)));
    if (refused.length === 0) return ok(name, 'every follow edge targets a followable group');
    const total = refused.reduce((sum, row) => sum + Number(row.edges), 0);
    const listed = refused.map((row) => `${row.group}: ${row.edges}, e.g. ${row.example}`);
    return warn(
      name,
      `${total} follow edge(s) target groups that cannot be followed (${listed.join('; ')}); ` +
        'unfollow them (DELETE /api/v1/feeds/{group}/{id}/follows/{targetGroup}/{targetId}) or declare the group followable in FEED_GROUPS',
    );
  },
};
