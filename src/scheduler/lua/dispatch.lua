-- The scheduler's dispatch (src/scheduler/schedule_store.h, Dispatch): while the leader key holds
-- the caller's token, pushes the tasks of up to `batch` due entries and advances their due times,
-- skipping missed periods. Twin: src/scheduler/memory_schedule.cpp (the contract tests run both).
-- A task is composed from the entry's value (its resource's JSON) and its plugin's record
-- "<frequency_ms>|<expires_ms>|<head length>|<head><tail>" (src/scheduler/entry.h); a value that
-- starts with a digit was written by an earlier build: "<frequency_ms>|<expires_ms>|<task prefix>".
-- An entry without a value (or without a valid record) is removed from the schedule.
-- Returns {0} when the token does not hold the leader key, else
-- {1, dispatched, now_ms, next_due_ms or -1, lateness_ms...}.
local leader, schedule, entries, queue, plugins = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local token, batch = ARGV[1], tonumber(ARGV[2])

-- name -> {frequency, expires, head, tail}, or false when it has no valid record
local records = {}
local function record_of(name)
  local r = records[name]
  if r ~= nil then return r end
  r = false
  local v = redis.call('HGET', plugins, name)
  local p1 = v and string.find(v, '|', 1, true)
  local p2 = p1 and string.find(v, '|', p1 + 1, true)
  local p3 = p2 and string.find(v, '|', p2 + 1, true)
  if p3 then
    local freq = tonumber(string.sub(v, 1, p1 - 1))
    local expires = tonumber(string.sub(v, p1 + 1, p2 - 1))
    local head_length = tonumber(string.sub(v, p2 + 1, p3 - 1))
    if freq and freq > 0 and expires and head_length and p3 + head_length <= #v then
      r = {freq, expires, string.sub(v, p3 + 1, p3 + head_length), string.sub(v, p3 + head_length + 1)}
    end
  end
  records[name] = r
  return r
end

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
    local freq, expires, prefix
    if v then
      local c = string.byte(v, 1)
      if c and c >= 48 and c <= 57 then  -- a value of an earlier build
        local p1 = string.find(v, '|', 1, true)
        local p2 = p1 and string.find(v, '|', p1 + 1, true)
        if p2 then
          freq = tonumber(string.sub(v, 1, p1 - 1))
          expires = tonumber(string.sub(v, p1 + 1, p2 - 1))
          prefix = string.sub(v, p2 + 1)
        end
      else
        local colon = string.find(id, ':', 1, true)
        local r = colon and record_of(string.sub(id, 1, colon - 1))
        if r then
          freq, expires = r[1], r[2]
          prefix = r[3] .. string.sub(id, colon + 1) .. '","resource":' .. v .. r[4]
        end
      end
    end
    if not freq or freq <= 0 or not expires then
      gone[#gone + 1] = id
    else
      local slot = score
      if now - score >= freq then slot = score + freq * math.floor((now - score) / freq) end
      tasks[#tasks + 1] = prefix .. '"id":"' .. id .. ':' .. string.format('%d', slot) ..
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
