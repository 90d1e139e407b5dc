import type { Redis } from 'ioredis';

/**
 * Lua scripts over ONE feed's keys (one hash tag, so one Cluster slot). Each is guarded by
 * the feed's `live` key: a feed whose keys are absent or expired is left alone and
 * regenerated from PostgreSQL on its next read.
 */

// KEYS: live, zset. ARGV: cap, then score/member pairs. Adds and trims to `cap`.
const addIfLive = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = 0
for i = 2, #ARGV, 2 do
  n = n + redis.call('ZADD', KEYS[2], ARGV[i], ARGV[i + 1])
end
local cap = tonumber(ARGV[1])
if redis.call('ZCARD', KEYS[2]) > cap then
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(cap + 1))
end
return n`;

// KEYS: live, fow, tl. ARGV: author, score, id, cap.
// Delivers one activity if the follower's timeline is live and still follows the author
// with a cutoff below the activity's key: a job that runs after an unfollow adds nothing.
const deliver = `
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
local cap = tonumber(ARGV[4])
if added == 1 and redis.call('ZCARD', KEYS[3]) > cap then
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(cap + 1))
end
return added`;

// KEYS: live, hash to set, hash that must hold the same guard. ARGV: author, guard.
// Moves an edge between modes when its author crosses the threshold — only if the edge
// is still the one the job was made for, so a late job cannot revive an unfollow.
const addModeIfSameEdge = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
return redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])`;

// KEYS: live, hash, tl. ARGV: author, guard, cap, then score/member pairs to copy.
const attachEdge = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
for i = 4, #ARGV, 2 do
  redis.call('ZADD', KEYS[3], ARGV[i], ARGV[i + 1])
end
local cap = tonumber(ARGV[3])
if redis.call('ZCARD', KEYS[3]) > cap then
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(cap + 1))
end
return 1`;

// KEYS: live, fow, for, tl. ARGV: author, then score/member pairs of the new tl.
// Ends an edge: drops both guards and replaces tl with what PostgreSQL computed.
const detachEdge = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[4])
for i = 2, #ARGV, 2 do
  redis.call('ZADD', KEYS[4], ARGV[i], ARGV[i + 1])
end
return 1`;

export interface TimelineScripts {
  tlAddIfLive(
    live: string,
    zset: string,
    cap: number,
    ...pairs: (string | number)[]
  ): Promise<number>;
  tlDeliver(
    live: string,
    fow: string,
    tl: string,
    author: string,
    score: number,
    id: string,
    cap: number,
  ): Promise<number>;
  tlAddModeIfSameEdge(
    live: string,
    set: string,
    same: string,
    author: string,
    guard: string,
  ): Promise<number>;
  tlAttachEdge(
    live: string,
    hash: string,
    tl: string,
    author: string,
    guard: string,
    cap: number,
    ...pairs: (string | number)[]
  ): Promise<number>;
  tlDetachEdge(
    live: string,
    fow: string,
    forKey: string,
    tl: string,
    author: string,
    ...pairs: (string | number)[]
  ): Promise<number>;
}

export type ScriptedRedis = Redis & TimelineScripts;

/** Registers the scripts on a client (idempotent); ioredis sends EVALSHA, falling back to EVAL. */
export function withTimelineScripts(redis: Redis): ScriptedRedis {
  const scripted = redis as ScriptedRedis;
  if (typeof scripted.tlDeliver === 'function') return scripted;
  redis.defineCommand('tlAddIfLive', { numberOfKeys: 2, lua: addIfLive });
  redis.defineCommand('tlDeliver', { numberOfKeys: 3, lua: deliver });
  redis.defineCommand('tlAddModeIfSameEdge', { numberOfKeys: 3, lua: addModeIfSameEdge });
  redis.defineCommand('tlAttachEdge', { numberOfKeys: 3, lua: attachEdge });
  redis.defineCommand('tlDetachEdge', { numberOfKeys: 4, lua: detachEdge });
  return scripted;
}
