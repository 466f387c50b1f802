-- Counts per plugin of the pairs in quarantine and of the stale ones (src/agent/task_queue.h,
-- HealthReport), at most `limit` of each. Ended quarantines leave the quarantine set; pairs that
-- the kind's schedule no longer holds leave both sets (only when a schedule exists: before the
-- first scheduler ran, nothing is known to be gone). Twin: memory_task_queue.cpp.
local q_index, f_index, schedule = KEYS[1], KEYS[2], KEYS[3]
local limit = tonumber(ARGV[1])

local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local known = redis.call('EXISTS', schedule) == 1
redis.call('ZREMRANGEBYSCORE', q_index, '-inf', '(' .. now)
local rows, order = {}, {}
local function row(name)
  if not rows[name] then
    rows[name] = {0, 0, 0}
    order[#order + 1] = name
  end
  return rows[name]
end
local function scheduled(m)
  return not known or redis.call('ZSCORE', schedule, m) ~= false
end
for _, m in ipairs(redis.call('ZRANGEBYSCORE', q_index, now, '+inf', 'LIMIT', 0, limit)) do
  local name = string.match(m, '^[^:]*')
  if name == m then
    row(name)[2] = 1
  elseif scheduled(m) then
    local r = row(name)
    r[1] = r[1] + 1
  else
    redis.call('ZREM', q_index, m)
  end
end
for _, m in ipairs(redis.call('ZRANGEBYSCORE', f_index, '-inf', now, 'LIMIT', 0, limit)) do
  if scheduled(m) then
    local r = row(string.match(m, '^[^:]*'))
    r[3] = r[3] + 1
  else
    redis.call('ZREM', f_index, m)
  end
end
table.sort(order)
local out = {}
for _, name in ipairs(order) do
  local r = rows[name]
  out[#out + 1] = {name, r[1], r[2], r[3]}
end
return out
