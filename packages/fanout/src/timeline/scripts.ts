import type { ChainableCommander, Redis } from 'ioredis';

/**
 * Lua scripts over ONE feed's keys (one hash tag, so one Cluster slot). Each is guarded by
 * the feed's `live` key: a feed whose keys are absent or expired is left alone and
 * regenerated from PostgreSQL on its next read.
 */

// Trims a sorted set to its cap and, once it has dropped anything, marks it trimmed in the
// feed's \`trim\` hash: below its lowest entry the set no longer knows the feed, even after
// removals shrink it again, so readers go to PostgreSQL for such pages.
//
// \`inherit\` gives a key a script just created the TTL of the feed's live key, so all of a
// feed's keys expire together and an inactive feed leaves nothing behind.
const trim = `
local function inherit(live, key)
  if redis.call('PTTL', key) == -1 then
    local ttl = redis.call('PTTL', live)
    if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
  end
end
-- After adding one member: a set of one was just created (give it the feed's TTL); a set
-- over the cap is cut. One ZCARD instead of a TTL check on every delivery.
local function settleOne(live, zset, trimHash, field, cap)
  local card = redis.call('ZCARD', zset)
  if card == 1 then inherit(live, zset) end
  if card > cap then
    redis.call('ZREMRANGEBYRANK', zset, 0, -(cap + 1))
    redis.call('HSET', trimHash, field, '1')
    inherit(live, trimHash)
  end
end
local function trim(live, zset, trimHash, field, cap)
  if redis.call('ZCARD', zset) > cap then
    redis.call('ZREMRANGEBYRANK', zset, 0, -(cap + 1))
    redis.call('HSET', trimHash, field, '1')
    inherit(live, trimHash)
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
inherit(KEYS[1], KEYS[2])
trim(KEYS[1], KEYS[2], KEYS[3], ARGV[2], tonumber(ARGV[1]))
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
if added == 1 then settleOne(KEYS[1], KEYS[3], KEYS[4], 'tl', tonumber(ARGV[4])) end
return added`;

// KEYS: the activity's body key, then live, fow, tl, trim of each follower.
// ARGV: author, score, id, cap. The whole batch in one call, for a standalone Redis (the
// keys span many feeds, which Redis Cluster would refuse): checks the tombstone once,
// then applies \`deliver\` per follower.
const deliverMany = `${trim}
if redis.call('GET', KEYS[1]) == 'removed' then return 0 end
local score = tonumber(ARGV[2])
local cap = tonumber(ARGV[4])
local delivered = 0
for i = 2, #KEYS, 4 do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    local guard = redis.call('HGET', KEYS[i + 1], ARGV[1])
    if guard then
      local ms, id = string.match(guard, '^([^|]*)|([^|]*)|')
      local above = true
      if ms ~= '' then
        local cutoff = tonumber(ms)
        above = score > cutoff or (score == cutoff and ARGV[3] > id)
      end
      if above then
        if redis.call('ZADD', KEYS[i + 2], ARGV[2], ARGV[3]) == 1 then
          delivered = delivered + 1
          settleOne(KEYS[i], KEYS[i + 2], KEYS[i + 3], 'tl', cap)
        end
      end
    end
  end
end
return delivered`;

// The next \`count\` entries of a sorted set below the cursor (ARGV[1] score, '' = first page;
// ARGV[2] id), newest first, as member/score pairs. Entries sharing the cursor's
// millisecond are cut by id, so a page boundary inside a run of same-time activities
// neither repeats nor skips. \`minMs\` (optional) leaves out entries older than that
// millisecond: a caller that knows they cannot make the page need not read them.
const page = `
local function page(key, count, minMs)
  local min = minMs or '-inf'
  if ARGV[1] == '' then
    return redis.call('ZREVRANGEBYSCORE', key, '+inf', min, 'WITHSCORES', 'LIMIT', 0, count)
  end
  local out = {}
  local same = redis.call('ZREVRANGEBYSCORE', key, ARGV[1], ARGV[1], 'WITHSCORES')
  for i = 1, #same, 2 do
    if #out >= count * 2 then return out end
    if same[i] < ARGV[2] then
      out[#out + 1] = same[i]
      out[#out + 1] = same[i + 1]
    end
  end
  local lower = redis.call('ZREVRANGEBYSCORE', key, '(' .. ARGV[1], min, 'WITHSCORES', 'LIMIT', 0, count - #out / 2)
  for i = 1, #lower do out[#out + 1] = lower[i] end
  return out
end
`;

// KEYS: live, trim, own, tl, for, fow. ARGV: cursor score ('' = first page), cursor id,
// count, ttl seconds, read tl (0/1), read for (0/1). Reads one feed for a page in one call:
// whether it is live, its trim marks, the page and lowest entry of own (and tl), and the
// for hash. Keeps the feed active
// by refreshing all six TTLs together — at most once an hour, not on every read.
const readFeed = `${page}
local pttl = redis.call('PTTL', KEYS[1])
if pttl == -2 then return {0} end
local ttl = tonumber(ARGV[4])
if pttl < ttl * 1000 - 3600000 then
  for i = 1, 6 do redis.call('EXPIRE', KEYS[i], ttl) end
end
local count = tonumber(ARGV[3])
local out = {1, redis.call('HGETALL', KEYS[2]), page(KEYS[3], count), redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES'), {}, {}, {}}
if ARGV[5] == '1' then
  out[5] = page(KEYS[4], count)
  out[6] = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
end
if ARGV[6] == '1' then out[7] = redis.call('HGETALL', KEYS[5]) end
return out`;

// KEYS: live, trim, own, tl, for, fow of the feed read. ARGV: cursor score ('' = first
// page), cursor id, count, ttl seconds, key prefix. A standalone Redis only: the keys of the
// followed fan-out-on-read authors and of the activity bodies are derived here from the
// prefix, which Redis Cluster would refuse. Reads a whole page in one call, with what
// \`readFeed\` and the caller would otherwise do in several round trips: the feed's own and
// tl pages, each followed fan-out-on-read author's own page above the edge's cutoff (keeping
// the author's keys alive as \`readFeed\` does), their merge (newest first, each id once), the
// exactness check against trimmed sets' floors, and the bodies of the merged entries.
// Replies {1, ids, scores, bodies (nil = not cached)}; {0} when the feed is not live;
// {2, authors…} naming the followed authors that are not live; {3} when the capped sets
// cannot answer this page exactly.
const readPage = `${page}
local count = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local prefix = ARGV[5]
local function alive(keys)
  local pttl = redis.call('PTTL', keys[1])
  if pttl == -2 then return false end
  if pttl < ttl * 1000 - 3600000 then
    for i = 1, 6 do redis.call('EXPIRE', keys[i], ttl) end
  end
  return true
end
-- Sets read, as parallel arrays per set; the highest floor of the trimmed ones.
local lists = {}
local floorMs, floorId
-- The page's lower bound so far: once one set has given \`count\` entries, the page's
-- entries are all at or above its last one, so later sets are read only down to its
-- millisecond. The page is the same; far fewer entries cross from Redis into Lua when a
-- timeline follows many fan-out-on-read authors.
local boundMs, boundRaw
local function below(ms, id, thanMs, thanId)
  return ms < thanMs or (ms == thanMs and id < thanId)
end
local function read(key, trimmed, cutMs, cutId)
  local flat = page(key, count, boundRaw)
  local ids, scores, raw = {}, {}, {}
  for i = 1, #flat, 2 do
    local ms = tonumber(flat[i + 1])
    if cutMs == nil or not (below(ms, flat[i], cutMs, cutId) or (ms == cutMs and flat[i] == cutId)) then
      ids[#ids + 1] = flat[i]
      scores[#scores + 1] = ms
      raw[#raw + 1] = flat[i + 1]
    end
  end
  local n = #ids
  if n == count and (boundMs == nil or scores[n] > boundMs) then
    boundMs, boundRaw = scores[n], raw[n]
  end
  lists[#lists + 1] = {ids = ids, scores = scores, raw = raw, at = 1}
  if trimmed then
    local lowest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local ms, id = math.huge, ''
    if lowest[1] then ms, id = tonumber(lowest[2]), lowest[1] end
    if floorMs == nil or below(floorMs, floorId, ms, id) then floorMs, floorId = ms, id end
  end
end
local function trims(key)
  local flat = redis.call('HGETALL', key)
  local set = {}
  for i = 1, #flat, 2 do set[flat[i]] = true end
  return set
end
if not alive(KEYS) then return {0} end
local trim = trims(KEYS[2])
read(KEYS[3], trim.own)
read(KEYS[4], trim.tl)
local authors = redis.call('HGETALL', KEYS[5])
local cold = {}
for i = 1, #authors, 2 do
  local tag = prefix .. '{' .. authors[i] .. '}:'
  local keys = {tag .. 'live', tag .. 'trim', tag .. 'own', tag .. 'tl', tag .. 'for', tag .. 'fow'}
  if alive(keys) then
    local ms, id = string.match(authors[i + 1], '^([^|]*)|([^|]*)|')
    read(keys[3], trims(keys[2]).own, tonumber(ms), id)
  else
    cold[#cold + 1] = authors[i]
  end
end
if #cold > 0 then return {2, cold} end
-- Merge: each list is newest first; take the newest head until the page is full.
local ids, scores, seen, lowestMs = {}, {}, {}, nil
while #ids < count do
  local best
  for i = 1, #lists do
    local list = lists[i]
    local id = list.ids[list.at]
    while id ~= nil and seen[id] do
      list.at = list.at + 1
      id = list.ids[list.at]
    end
    if id ~= nil then
      local b = best and lists[best]
      if not b or below(b.scores[b.at], b.ids[b.at], list.scores[list.at], id) then best = i end
    end
  end
  if not best then break end
  local list = lists[best]
  ids[#ids + 1] = list.ids[list.at]
  scores[#scores + 1] = list.raw[list.at]
  lowestMs = list.scores[list.at]
  seen[list.ids[list.at]] = true
  list.at = list.at + 1
end
if floorMs ~= nil then
  local n = #ids
  if n < count or not below(floorMs, floorId, lowestMs, ids[n]) then return {3} end
end
local bodies = {}
for i = 1, #ids do bodies[i] = redis.call('GET', prefix .. 'act:{' .. ids[i] .. '}') end
return {1, ids, scores, bodies}`;

// KEYS: live, hash to set, hash that must hold the same guard. ARGV: author, guard.
// Moves an edge between modes when its author crosses the threshold — only if the edge
// is still the one the job was made for, so a late job cannot revive an unfollow.
const addModeIfSameEdge = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
local set = redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
if redis.call('PTTL', KEYS[2]) == -1 then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
end
return set`;

// KEYS: live, hash, tl, trim. ARGV: author, guard, cap, copy-was-cut ('1'/'0'), then
// score/member pairs to copy.
const attachEdge = `${trim}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
for i = 5, #ARGV, 2 do
  redis.call('ZADD', KEYS[3], ARGV[i], ARGV[i + 1])
end
if ARGV[4] == '1' then redis.call('HSET', KEYS[4], 'tl', '1') end
inherit(KEYS[1], KEYS[2])
inherit(KEYS[1], KEYS[3])
trim(KEYS[1], KEYS[3], KEYS[4], 'tl', tonumber(ARGV[3]))
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
/** What both read scripts take first: the feed's keys, the cursor, the count and the TTL. */
type ReadArgs = [
  live: string,
  trim: string,
  own: string,
  tl: string,
  forKey: string,
  fow: string,
  cursorMs: string,
  cursorId: string,
  count: number,
  ttl: number,
];
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
  tlDeliverMany(keyCount: number, ...keysThenArgs: (string | number)[]): R;
  tlReadFeed(...args: [...ReadArgs, withTl: Cut, withFor: Cut]): R;
  tlReadPage(...args: [...ReadArgs, prefix: string]): R;
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
  redis.defineCommand('tlDeliverMany', { lua: deliverMany });
  redis.defineCommand('tlReadFeed', { numberOfKeys: 6, lua: readFeed });
  redis.defineCommand('tlReadPage', { numberOfKeys: 6, lua: readPage });
  redis.defineCommand('tlAddModeIfSameEdge', { numberOfKeys: 3, lua: addModeIfSameEdge });
  redis.defineCommand('tlAttachEdge', { numberOfKeys: 4, lua: attachEdge });
  redis.defineCommand('tlDetachEdge', { numberOfKeys: 5, lua: detachEdge });
  return scripted;
}
