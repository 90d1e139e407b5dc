import type { ChainableCommander, Redis } from 'ioredis';

/**
 * Lua scripts over ONE feed's keys (one hash tag, so one Cluster slot). Each is guarded by
 * the feed's `live` key: a feed whose keys are absent or expired is left alone and
 * regenerated from PostgreSQL on its next read.
 */

// Trims a sorted set to its cap and, once it has dropped anything, marks it trimmed in the
// feed's \`trim\` hash: below its lowest entry the set no longer knows the feed, even after
// removals shrink it again, so readers go to PostgreSQL for such pages.
const trim = `
local function trim(zset, trimHash, field, cap)
  if redis.call('ZCARD', zset) > cap then
    redis.call('ZREMRANGEBYRANK', zset, 0, -(cap + 1))
    redis.call('HSET', trimHash, field, '1')
  end
end
`;

// KEYS: live, zset, trim. ARGV: cap, field, then score/member pairs.
const addIfLive = `${trim}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = 0
for i = 3, #ARGV, 2 do
  n = n + redis.call('ZADD', KEYS[2], ARGV[i], ARGV[i + 1])
end
trim(KEYS[2], KEYS[3], ARGV[2], tonumber(ARGV[1]))
return n`;

// KEYS: live, fow, tl, trim. ARGV: author, score, id, cap.
// Delivers one activity if the follower's timeline is live and still follows the author
// with a cutoff below the activity's key: a job that runs after an unfollow adds nothing.
const deliver = `${trim}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local guard = redis.call('HGET', KEYS[2], ARGV[1])
if not guard then return 0 end
local ms, id = string.match(guard, '^([^|]*)|([^|]*)|')
if ms ~= '' then
  local cutoff = tonumber(ms)
  local score = tonumber(ARGV[2])
  if score < cutoff or (score == cutoff and ARGV[3] <= id) then return 0 end
end
local added = redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
trim(KEYS[3], KEYS[4], 'tl', tonumber(ARGV[4]))
return added`;

// KEYS: live, hash to set, hash that must hold the same guard. ARGV: author, guard.
// Moves an edge between modes when its author crosses the threshold — only if the edge
// is still the one the job was made for, so a late job cannot revive an unfollow.
const addModeIfSameEdge = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
return redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])`;

// KEYS: live, hash, tl, trim. ARGV: author, guard, cap, copy-was-cut ('1'/'0'), then
// score/member pairs to copy.
const attachEdge = `${trim}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
for i = 5, #ARGV, 2 do
  redis.call('ZADD', KEYS[3], ARGV[i], ARGV[i + 1])
end
if ARGV[4] == '1' then redis.call('HSET', KEYS[4], 'tl', '1') end
trim(KEYS[3], KEYS[4], 'tl', tonumber(ARGV[3]))
return 1`;

// KEYS: live, fow, for, tl, trim. ARGV: author, new-tl-was-cut ('1'/'0'), then
// score/member pairs of the new tl.
// Ends an edge: drops both guards and replaces tl with what PostgreSQL computed.
const detachEdge = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[4])
for i = 3, #ARGV, 2 do
  redis.call('ZADD', KEYS[4], ARGV[i], ARGV[i + 1])
end
if ARGV[2] == '1' then redis.call('HSET', KEYS[5], 'tl', '1') else redis.call('HDEL', KEYS[5], 'tl') end
return 1`;

type Pairs = (string | number)[];
type Cut = '0' | '1';

/** The scripts as commands; `R` is a Promise on a client and the pipeline on a pipeline. */
export interface TimelineCommands<R> {
  tlAddIfLive(
    live: string,
    zset: string,
    trim: string,
    cap: number,
    field: 'own' | 'tl',
    ...pairs: Pairs
  ): R;
  tlDeliver(
    live: string,
    fow: string,
    tl: string,
    trim: string,
    author: string,
    score: number,
    id: string,
    cap: number,
  ): R;
  tlAddModeIfSameEdge(live: string, set: string, same: string, author: string, guard: string): R;
  tlAttachEdge(
    live: string,
    hash: string,
    tl: string,
    trim: string,
    author: string,
    guard: string,
    cap: number,
    cut: Cut,
    ...pairs: Pairs
  ): R;
  tlDetachEdge(
    live: string,
    fow: string,
    forKey: string,
    tl: string,
    trim: string,
    author: string,
    cut: Cut,
    ...pairs: Pairs
  ): R;
}

export interface ScriptedPipeline extends ChainableCommander, TimelineCommands<ScriptedPipeline> {}

export type ScriptedRedis = Redis & TimelineCommands<Promise<number>>;

/** Registers the scripts on a client (idempotent); ioredis sends EVALSHA, falling back to EVAL. */
export function withTimelineScripts(redis: Redis): ScriptedRedis {
  const scripted = redis as ScriptedRedis;
  if (typeof scripted.tlDeliver === 'function') return scripted;
  redis.defineCommand('tlAddIfLive', { numberOfKeys: 3, lua: addIfLive });
  redis.defineCommand('tlDeliver', { numberOfKeys: 4, lua: deliver });
  redis.defineCommand('tlAddModeIfSameEdge', { numberOfKeys: 3, lua: addModeIfSameEdge });
  redis.defineCommand('tlAttachEdge', { numberOfKeys: 4, lua: attachEdge });
  redis.defineCommand('tlDetachEdge', { numberOfKeys: 5, lua: detachEdge });
  return scripted;
}
