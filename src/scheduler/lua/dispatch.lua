-- The scheduler's dispatch (src/scheduler/schedule_store.h, Dispatch): while the leader key holds
-- the caller's token, pushes the tasks of up to `batch` due entries and advances their due times,
-- skipping missed periods. Twin: src/scheduler/memory_schedule.cpp (the contract tests run both).
-- Returns {0} when the token does not hold the leader key, else
-- {1, dispatched, now_ms, next_due_ms or -1, lateness_ms...}.
local leader, schedule, entries, queue = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local token, batch = ARGV[1], tonumber(ARGV[2])

if redis.call('GET', leader) ~= token then return {0} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', schedule, '-inf', now, 'WITHSCORES', 'LIMIT', 0, batch)
local result = {1, 0, now, -1}
local n = #due / 2
local i = 1
while i <= n do
  local last = math.min(n, i + 499)
  local ids = {}
  for k = i, last do ids[#ids + 1] = due[2 * k - 1] end
  local values = redis.call('HMGET', entries, unpack(ids))
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
    redis.call('LPUSH', queue, unpack(tasks))
    redis.call('ZADD', schedule, unpack(zargs))
  end
  if #gone > 0 then redis.call('ZREM', schedule, unpack(gone)) end
  result[2] = result[2] + #tasks
  i = last + 1
end
local head = redis.call('ZRANGE', schedule, 0, 0, 'WITHSCORES')
if #head > 0 then result[4] = tonumber(head[2]) end
return result
