import {
  type ActivityInput,
  aggregationKeyOf,
  defaultFeedGroups,
  type Feed,
  findFeedGroup,
  type JsonValue,
} from '@tideline/domain';
import { createSeededRandom, type SeededRandom } from './seeded-random.js';

/**
 * Deterministic random workloads for convergence tests: the same seed always gives the
 * same operations, so a failure is replayed from the seed it prints. Operations are
 * high-level (what a client asks for); the harness turns them into API or command calls.
 */

export interface FollowSpec {
  readonly source: Feed;
  readonly target: Feed;
  /** Omitted: the server default (100). */
  readonly copyLimit?: number;
}

/**
 * One client request. `pick` in update/remove is the index of an earlier `add` among the
 * add operations only (0 = the first add); the harness resolves it to the activity that
 * add returned. A repeated add (same feed, foreignId and time) returns the original, so
 * both adds resolve to one activity.
 */
export type Operation =
  | { readonly kind: 'add'; readonly feed: Feed; readonly activity: ActivityInput }
  | {
      readonly kind: 'update';
      readonly pick: number;
      readonly set?: Readonly<Record<string, JsonValue>>;
      readonly unset?: readonly string[];
    }
  | { readonly kind: 'remove'; readonly pick: number; readonly by: 'id' | 'foreignId' }
  | ({ readonly kind: 'follow' } & FollowSpec)
  | {
      readonly kind: 'unfollow';
      readonly source: Feed;
      readonly target: Feed;
      readonly keepHistory: boolean;
    }
  | { readonly kind: 'followMany'; readonly follows: readonly FollowSpec[] }
  | {
      readonly kind: 'mark';
      readonly feed: Feed;
      readonly seen?: true | readonly string[];
      readonly read?: true | readonly string[];
    };

export interface GenerateOperationsOptions {
  readonly seed: number;
  /** How many operations to return. */
  readonly count: number;
  /**
   * Users `u0…u<users-1>`, each with `user:`, `timeline:`, `timeline_aggregated:` and
   * `notification:` feeds.
   */
  readonly users: number;
  /**
   * Push `author`'s follower count above `threshold` (with follows from `timeline:u*` and,
   * when those run out, `timeline:fan<n>`), then back to at most `threshold`,
   * interleaved with the author's posts — so hybrid fan-out switches modes both ways.
   */
  readonly thresholdCrossings?: { readonly author: Feed; readonly threshold: number };
  /** The logical clock's start (ms) for explicit activity times. */
  readonly startTime?: number;
}

export const defaultStartTime = Date.parse('2024-05-01T12:00:00.000Z');

const user = (n: number) => `user:u${n}`;
const timeline = (n: number) => `timeline:u${n}`;
const notification = (n: number) => `notification:u${n}`;
const aggregated = (n: number) => `timeline_aggregated:u${n}`;
const edgeKey = (source: Feed, target: Feed) => `${source}>${target}`;

/** What the generator remembers so every operation it makes is one the API accepts. */
interface World {
  readonly random: SeededRandom;
  readonly users: number;
  clock: number;
  readonly adds: { readonly feed: Feed; readonly activity: ActivityInput }[];
  /** Indexes of adds that created an activity (not repeats) and are not removed. */
  readonly live: Set<number>;
  readonly edges: Map<string, { readonly source: Feed; readonly target: Feed }>;
  /** A feed random follows must avoid while followers are being brought down. */
  avoidTarget: Feed | undefined;
}

function weighted<T>(random: SeededRandom, entries: readonly (readonly [T, number])[]): T {
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random.next() * total;
  for (const [value, weight] of entries) {
    roll -= weight;
    if (roll < 0) return value;
  }
  return random.pick(entries)[0];
}

function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}

/** Mostly the logical clock; some server "now", some backdated, some in the future. */
function activityTime(world: World): string | undefined {
  const { random, clock } = world;
  return weighted<() => string | undefined>(random, [
    [() => isoAt(clock), 60],
    [() => undefined, 10],
    [() => isoAt(clock - random.int(1, 86_400) * 1000), 18],
    [() => isoAt(clock + random.int(1, 86_400) * 1000), 12],
  ])();
}

function newAdd(world: World, actor: string, feed: Feed): Operation {
  const { random, adds } = world;
  const n = adds.length;
  const time = activityTime(world);
  const to = random.chance(0.25)
    ? random
        .shuffle(Array.from({ length: world.users }, (_, i) => notification(i)))
        .slice(0, random.int(1, 3))
    : [];
  const activity: ActivityInput = {
    actor,
    verb: random.pick(['post', 'like', 'share', 'comment']),
    object: `object:${n}`,
    ...(time === undefined ? {} : { time }),
    // Unique foreignIds, so removing by foreignId names exactly one activity.
    ...(random.chance(0.4) ? { foreignId: `fid-${n}` } : {}),
    ...(to.length > 0 ? { to } : {}),
    ...(random.chance(0.5) ? { extra: { n, tag: random.pick(['a', 'b', 'c']) } } : {}),
  };
  world.live.add(n);
  adds.push({ feed, activity });
  return { kind: 'add', feed, activity };
}

function randomAdd(world: World): Operation {
  const author = world.random.int(0, world.users - 1);
  const feed = world.random.chance(0.08) ? timeline(author) : user(author);
  return newAdd(world, `u${author}`, feed);
}

/** The same (feed, foreignId, time) again — even after a removal, it must not come back. */
function repeatAdd(world: World): Operation | undefined {
  const repeatable = world.adds.filter(
    ({ activity }) => activity.foreignId !== undefined && activity.time !== undefined,
  );
  if (repeatable.length === 0) return undefined;
  const { feed, activity } = world.random.pick(repeatable);
  world.adds.push({ feed, activity });
  return { kind: 'add', feed, activity };
}

function update(world: World): Operation | undefined {
  if (world.live.size === 0) return undefined;
  const pick = world.random.pick([...world.live]);
  const value = world.random.int(0, 1000);
  return world.random.pick<Operation>([
    { kind: 'update', pick, set: { likes: value }, unset: ['tag'] },
    { kind: 'update', pick, set: { 'stats.views': value } },
    { kind: 'update', pick, set: { tag: `t${value}`, 'stats.likes': value } },
    { kind: 'update', pick, unset: ['stats'] },
  ]);
}

function remove(world: World): Operation | undefined {
  if (world.live.size === 0) return undefined;
  const pick = world.random.pick([...world.live]);
  world.live.delete(pick);
  const hasForeignId = world.adds[pick]?.activity.foreignId !== undefined;
  return {
    kind: 'remove',
    pick,
    by: hasForeignId && world.random.chance(0.5) ? 'foreignId' : 'id',
  };
}

function randomFollowSpec(world: World): FollowSpec {
  const { random, users } = world;
  const follower = random.int(0, users - 1);
  const other = random.int(0, users - 1);
  const target = weighted(random, [
    [user(other), 85],
    // A timeline following a timeline checks that fan-out stays one level deep.
    [other === follower ? user(other) : timeline(other), 10],
    [notification(other), 5],
  ]);
  // Mostly timelines; aggregated timelines and notification feeds follow too, so their
  // groups also come from follow edges (copies, purges, kept history).
  const source = weighted(random, [
    [timeline(follower), 75],
    [aggregated(follower), 18],
    [notification(follower), 7],
  ]);
  // Not the author being brought below the threshold, and never itself.
  const safeTarget =
    [target, notification(other), user(other), timeline(other)].find(
      (feed) => feed !== world.avoidTarget && feed !== source,
    ) ?? target;
  return random.chance(0.8)
    ? { source, target: safeTarget, copyLimit: random.int(0, 5) }
    : { source, target: safeTarget };
}

function recordFollows(world: World, follows: readonly FollowSpec[]): void {
  for (const { source, target } of follows)
    world.edges.set(edgeKey(source, target), { source, target });
}

function follow(world: World): Operation {
  const spec = randomFollowSpec(world);
  recordFollows(world, [spec]);
  return { kind: 'follow', ...spec };
}

function followMany(world: World, size: number): Operation {
  const follows = new Map<string, FollowSpec>();
  for (let attempt = 0; follows.size < size && attempt < size * 10; attempt++) {
    const spec = randomFollowSpec(world);
    follows.set(edgeKey(spec.source, spec.target), spec);
  }
  recordFollows(world, [...follows.values()]);
  return { kind: 'followMany', follows: [...follows.values()] };
}

function unfollow(world: World, edges = [...world.edges.values()]): Operation | undefined {
  if (edges.length === 0) return undefined;
  const { source, target } = world.random.pick(edges);
  world.edges.delete(edgeKey(source, target));
  return { kind: 'unfollow', source, target, keepHistory: world.random.chance(0.5) };
}

/** The group id an add's activity has in `feed`, when its time is known to the generator. */
function groupIdOf(feed: Feed, activity: ActivityInput): string | undefined {
  const config = findFeedGroup(defaultFeedGroups, feed.slice(0, feed.indexOf(':')));
  if (activity.time === undefined || config === undefined || config.kind === 'flat') return;
  return aggregationKeyOf({ ...activity, time: activity.time }, config.aggregationKey);
}

/**
 * Marks a user's notification feed seen and/or read: all groups, or groups named by id —
 * ids of groups `to` copies created, and now and then an id that names no group.
 */
function mark(world: World): Operation {
  const { random } = world;
  const feed = notification(random.int(0, world.users - 1));
  const ids = () => {
    const named = world.adds
      .filter(({ activity }) => activity.to?.includes(feed))
      .flatMap(({ activity }) => groupIdOf(feed, activity) ?? []);
    const picked = random.shuffle([...new Set(named)]).slice(0, random.int(1, 3));
    return random.chance(0.2) || picked.length === 0 ? [...picked, 'no-such-group'] : picked;
  };
  const value = () => (random.chance(0.5) ? (true as const) : ids());
  return weighted<Operation>(random, [
    [{ kind: 'mark', feed, seen: value() }, 45],
    [{ kind: 'mark', feed, read: value() }, 35],
    [{ kind: 'mark', feed, seen: value(), read: value() }, 20],
  ]);
}

function randomOperation(world: World): Operation {
  const make = weighted<() => Operation | undefined>(world.random, [
    [() => randomAdd(world), 40],
    [() => repeatAdd(world), 5],
    [() => follow(world), 20],
    [() => followMany(world, world.random.int(2, 6)), 5],
    [() => unfollow(world), 10],
    [() => update(world), 12],
    [() => remove(world), 8],
    [() => mark(world), 6],
  ]);
  return make() ?? randomAdd(world);
}

function followersOf(world: World, author: Feed): Feed[] {
  return [...world.edges.values()]
    .filter(({ target }) => target === author)
    .map(({ source }) => source);
}

/** Timelines not following `author` yet: users' first, then as many `timeline:fan<n>` as needed. */
function nonFollowers(world: World, author: Feed, wanted: number): Feed[] {
  const following = new Set(followersOf(world, author));
  const found: Feed[] = [];
  const userTimelines = world.random.shuffle(
    Array.from({ length: world.users }, (_, i) => timeline(i)),
  );
  for (const feed of userTimelines) {
    if (found.length < wanted && feed !== author && !following.has(feed)) found.push(feed);
  }
  for (let n = 0; found.length < wanted; n++) {
    const feed = `timeline:fan${n}`;
    if (!following.has(feed)) found.push(feed);
  }
  return found;
}

type Crossings = NonNullable<GenerateOperationsOptions['thresholdCrossings']>;

/**
 * The threshold plan's move at operation `index`, or undefined to let a random one run.
 * Up in the first half, down in the second; it acts when a coin says so, and always when
 * it would otherwise run out of slots, so the crossings happen whatever the seed.
 */
function crossingStep(
  world: World,
  { author, threshold }: Crossings,
  index: number,
  count: number,
): Operation | undefined {
  const upStart = Math.floor(count * 0.1);
  const downStart = Math.floor(count * 0.5);
  const downEnd = Math.floor(count * 0.9);
  if (index < upStart || index >= downEnd) {
    world.avoidTarget = undefined;
    return undefined;
  }
  const followers = followersOf(world, author).length;
  const rushed = (needed: number, end: number) => needed >= end - index;
  if (index < downStart) {
    const needed = threshold + 2 - followers;
    const batch = Math.min(1000, Math.max(1, Math.ceil((threshold + 2) / 4)));
    if (needed > 0 && (rushed(Math.ceil(needed / batch), downStart) || world.random.chance(0.3))) {
      const take = rushed(Math.ceil(needed / batch), downStart) ? Math.min(needed, 1000) : batch;
      const follows = nonFollowers(world, author, Math.min(needed, take)).map(
        (source): FollowSpec =>
          world.random.chance(0.7)
            ? { source, target: author, copyLimit: world.random.int(0, 5) }
            : { source, target: author },
      );
      recordFollows(world, follows);
      return { kind: 'followMany', follows };
    }
  } else {
    // Random follows must not undo the way down.
    world.avoidTarget = author;
    const needed = followers - Math.max(0, threshold - 1);
    if (needed > 0 && (rushed(needed, downEnd) || world.random.chance(0.3))) {
      const edges = [...world.edges.values()].filter(({ target }) => target === author);
      return unfollow(world, edges);
    }
  }
  const actor = author.slice(author.indexOf(':') + 1);
  return world.random.chance(0.15) ? newAdd(world, actor, author) : undefined;
}

/** Follower counts of `author` after each operation, to check a plan really crossed. */
export function followerCounts(operations: readonly Operation[], author: Feed): number[] {
  const followers = new Set<Feed>();
  return operations.map((operation) => {
    const follows =
      operation.kind === 'follow'
        ? [operation]
        : operation.kind === 'followMany'
          ? operation.follows
          : [];
    for (const { source, target } of follows) if (target === author) followers.add(source);
    if (operation.kind === 'unfollow' && operation.target === author) {
      followers.delete(operation.source);
    }
    return followers.size;
  });
}

/**
 * A deterministic list of valid operations: mostly adds and follows, with unfollows (both
 * keepHistory values), updates, removals by id and by foreignId, `to` copies, backdated
 * and future times, repeated idempotent adds and small copyLimits.
 *
 * @example
 * const operations = generateOperations({ seed, count: 500, users: 12 });
 * // on failure: console.log(seed, describeOperations(operations));
 */
export function generateOperations(options: GenerateOperationsOptions): Operation[] {
  const { seed, count, users, thresholdCrossings } = options;
  if (!Number.isInteger(users) || users < 1) throw new RangeError('users must be at least 1');
  const world: World = {
    random: createSeededRandom(seed),
    users,
    clock: options.startTime ?? defaultStartTime,
    adds: [],
    live: new Set(),
    edges: new Map(),
    avoidTarget: undefined,
  };
  const operations: Operation[] = [];
  for (let index = 0; index < count; index++) {
    // Some steps of 0 ms, so equal times are ordered by id.
    world.clock += world.random.int(0, 3) * 1000;
    const planned =
      thresholdCrossings === undefined
        ? undefined
        : crossingStep(world, thresholdCrossings, index, count);
    operations.push(planned ?? randomOperation(world));
  }
  if (thresholdCrossings !== undefined) assertCrossed(operations, thresholdCrossings);
  return operations;
}

function assertCrossed(operations: readonly Operation[], { author, threshold }: Crossings): void {
  const counts = followerCounts(operations, author);
  const above = counts.findIndex((followers) => followers > threshold);
  const below = counts.findIndex((followers, index) => index > above && followers <= threshold);
  if (above === -1 || below === -1) {
    throw new RangeError(
      `count ${operations.length} is too small to cross threshold ${threshold} both ways`,
    );
  }
}

function describeFollow({ source, target, copyLimit }: FollowSpec): string {
  return `${source}→${target}${copyLimit === undefined ? '' : ` c${copyLimit}`}`;
}

function describeActivity(activity: ActivityInput): string {
  const { actor, verb, object, time, foreignId, to, extra } = activity;
  return [
    `${actor} ${verb} ${object}`,
    time === undefined ? 'now' : `@${time}`,
    foreignId === undefined ? '' : `fid:${foreignId}`,
    to === undefined ? '' : `to:${to.join(',')}`,
    extra === undefined ? '' : JSON.stringify(extra),
  ]
    .filter((part) => part !== '')
    .join(' ');
}

/**
 * One line per operation, numbered, with adds labelled `add[n]` so `pick`s can be read
 * back — what a failing property test prints next to its seed.
 */
export function describeOperations(operations: readonly Operation[]): string {
  let adds = 0;
  return operations
    .map((operation, index) => {
      const line = (() => {
        switch (operation.kind) {
          case 'add':
            return `add[${adds++}] ${operation.feed} ${describeActivity(operation.activity)}`;
          case 'update': {
            const { pick, set, unset } = operation;
            const setPart = set === undefined ? '' : ` set ${JSON.stringify(set)}`;
            return `update add[${pick}]${setPart}${unset === undefined ? '' : ` unset ${unset.join(',')}`}`;
          }
          case 'remove':
            return `remove add[${operation.pick}] by ${operation.by}`;
          case 'follow':
            return `follow ${describeFollow(operation)}`;
          case 'unfollow':
            return `unfollow ${operation.source}→${operation.target}${operation.keepHistory ? ' keepHistory' : ''}`;
          case 'followMany':
            return `followMany ${operation.follows.map(describeFollow).join(' ')}`;
          case 'mark': {
            const marked = (value: true | readonly string[] | undefined) =>
              value === true ? 'all' : (value ?? []).join(',');
            const { seen, read } = operation;
            return `mark ${operation.feed}${seen ? ` seen:${marked(seen)}` : ''}${read ? ` read:${marked(read)}` : ''}`;
          }
        }
      })();
      return `${index.toString().padStart(4)} ${line}`;
    })
    .join('\n');
}
