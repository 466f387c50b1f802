#pragma once
// Private to the scheduler: the Lua source of the dispatch script (see schedule_store.h).
//   KEYS: leader, schedule (zset), entries (hash), tasks (list)
//   ARGV: leader token, batch
//   Returns {0} when the token does not hold the leader key, else
//   {1, dispatched, now_ms, next_due_ms or -1, lateness_ms...}.

namespace panoptes::scheduler::internal {

inline constexpr const char* kDispatchLua = R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {0} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local result = {1, 0, now, -1}
local n = #due / 2
local i = 1
while i <= n do
  local last = math.min(n, i + 499)
  local ids = {}
  for k = i, last do ids[#ids + 1] = due[2 * k - 1] end
  local values = redis.call('HMGET', KEYS[3], unpack(ids))
  local tasks, zargs, gone = {}, {}, {}
  for k = 1, #ids do
    local id, v = ids[k], values[k]
    local score = tonumber(due[2 * (i + k - 1)])
    local p1 = v and string.find(v, '|', 1, true)
    local p2 = p1 and string.find(v, '|', p1 + 1, true)
    local freq = p2 and tonumber(string.sub(v, 1, p1 - 1))
    local expires = p2 and tonumber(string.sub(v, p1 + 1, p2 - 1))
    if not freq or freq <= 0 or not expires then
      gone[#gone + 1] = id
    else
      local slot = score
      if now - score >= freq then slot = score + freq * math.floor((now - score) / freq) end
      tasks[#tasks + 1] = string.sub(v, p2 + 1) .. '"id":"' .. id .. ':' .. string.format('%d', slot) ..
        '","scheduled_for":' .. string.format('%.3f', slot / 1000) ..
        ',"expires_at":' .. string.format('%.3f', (slot + expires) / 1000) .. '}'
      zargs[#zargs + 1] = string.format('%d', slot + freq)
      zargs[#zargs + 1] = id
      result[#result + 1] = now - slot
    end
  end
  if #tasks > 0 then
    redis.call('LPUSH', KEYS[4], unpack(tasks))
    redis.call('ZADD', KEYS[2], unpack(zargs))
  end
  if #gone > 0 then redis.call('ZREM', KEYS[2], unpack(gone)) end
  result[2] = result[2] + #tasks
  i = last + 1
end
local head = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
if #head > 0 then result[4] = tonumber(head[2]) end
return result
)lua";

}  // namespace panoptes::scheduler::internal
