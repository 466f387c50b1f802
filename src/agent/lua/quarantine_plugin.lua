-- Quarantines a whole plugin whose import crashed a worker (src/agent/task_queue.h,
-- QuarantinePlugin): the plugin is named by the dead worker's running record. The n-th crash in
-- a row quarantines it for frequency x 2^n s, at most cap. Twin: memory_task_queue.cpp.
local running, q_index = KEYS[1], KEYS[2]
local error, meta_ttl_s = ARGV[1], ARGV[2]

local r = redis.call('HMGET', running, 'entry', 'pq', 'cap', 'frequency', 'meta')
if not r[1] or r[1] == '' then
  return false
end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local name = string.match(r[1], '^[^:]*')
local n = redis.call('HINCRBY', r[2], 'failures', 1)
local till = now + math.min(tonumber(r[4]) * 2 ^ n, tonumber(r[3]))
local plugin = redis.call('HGET', r[5], 'plugin') or name
redis.call('HSET', r[2], 'until', string.format('%.6f', till), 'since', string.format('%.6f', now), 'error',
           error, 'plugin', plugin)
redis.call('EXPIRE', r[2], meta_ttl_s)
redis.call('ZADD', q_index, till, name)
return name
