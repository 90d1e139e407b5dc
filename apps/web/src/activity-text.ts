import type { TidelineOutputs } from '@tideline/client';
import type { DemoUser } from './demo-session';

type FeedPage = TidelineOutputs['feeds']['read'];
export type Activity = Extract<FeedPage, { kind: 'flat' }>['results'][number];
export type ActivityGroup = Exclude<FeedPage, { kind: 'flat' }>['results'][number];

const nameIn = (users: readonly DemoUser[], id: string) =>
  users.find((user) => user.id === id)?.name ?? id;

/** The text of a post (`extra.text`), or undefined for other activities. */
export function postText(activity: Activity): string | undefined {
  const text = activity.extra.text;
  return typeof text === 'string' ? text : undefined;
}

/**
 * What a timeline entry says after its actor's name.
 *
 * @example
 * describeActivity({ verb: 'follow', object: 'user:ben', … }, users, 'ana'); // 'followed Ben Okafor'
 */
export function describeActivity(
  activity: Activity,
  users: readonly DemoUser[],
  me: string,
): string {
  if (activity.verb === 'post') return postText(activity) ?? activity.object;
  if (activity.verb === 'follow' && activity.object.startsWith('user:')) {
    const followed = activity.object.slice('user:'.length);
    return followed === me ? 'followed you' : `followed ${nameIn(users, followed)}`;
  }
  return `${activity.verb} ${activity.object}`;
}

/**
 * One line for a notification group: who, how many, what.
 *
 * @example
 * describeGroup(group, users); // 'Cleo Park and 2 others followed you'
 */
export function describeGroup(group: ActivityGroup, users: readonly DemoUser[]): string {
  const actors = [...new Set(group.activities.map((activity) => activity.actor))];
  const first = nameIn(users, actors[0] ?? 'someone');
  const others = group.actorCount - 1;
  const who =
    others <= 0
      ? first
      : others === 1 && actors[1] !== undefined
        ? `${first} and ${nameIn(users, actors[1])}`
        : `${first} and ${others} others`;
  const verb = group.activities[0]?.verb;
  if (verb === 'follow') return `${who} followed you`;
  if (verb === 'post') {
    const newest = group.activities[0];
    const text = newest === undefined ? undefined : postText(newest);
    return text === undefined ? `${who} mentioned you` : `${who} mentioned you: “${text}”`;
  }
  return `${who}: ${verb ?? 'activity'} (${group.activityCount})`;
}

/** The demo users a post mentions as `@id`, for its `to` copies to their notification feeds. */
export function mentionedUsers(text: string, users: readonly DemoUser[], me: string): string[] {
  const ids = new Set([...text.matchAll(/@([A-Za-z0-9_-]{1,128})/g)].map((match) => match[1]));
  return users.filter((user) => ids.has(user.id) && user.id !== me).map((user) => user.id);
}
