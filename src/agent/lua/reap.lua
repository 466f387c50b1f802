-- Reaps a dead worker (src/agent/task_queue.h, Reap): its started task is recorded with the
-- given status and its lock released; its other tasks go back to the consuming end of the queue,
-- oldest first. Safe to run concurrently from several agents. Twin: memory_task_queue.cpp.
-- outcome.lua is prepended: the recorded status counts as a failure of the pair.
local inflight, running, heartbeat, queue, workers = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local q_index, f_index = KEYS[6], KEYS[7]
local status, error, worker_id, check_heartbeat, meta_ttl_s = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]

if check_heartbeat == '1' and redis.call('EXISTS', heartbeat) == 1 then
  return {'alive', 0, 0}
end
local r = redis.call('HMGET', running, 'lock', 'meta', 'token', 'at', 'entry', 'pq', 'after', 'cap', 'frequency',
                         'stale')
local lock, meta, token, at = r[1], r[2], r[3], r[4]
local started, requeued = 0, 0
if lock and redis.call('GET', lock) == token then
  if check_heartbeat == '1' then
    -- Silent, but its run's lock lives: the worker may only be paused, and its own deadline ends
    -- the run before the lock does (docs/agent.md, "Stalls"). Its run is left alone until then;
    -- its tasks that had not started go back to the queue now.
    local items = redis.call('LRANGE', inflight, 0, -2)
    for i = 1, #items do
      redis.call('RPUSH', queue, items[i])
    end
    redis.call('LTRIM', inflight, -1, -1)
    return {'waiting', 0, #items}
  end
  redis.call('DEL', lock)
end
if lock then
  -- Recorded unless another run stamped the meta since (this one's lock ran out and another took it).
  if not at or redis.call('HGET', meta, 'last_executed') == at then
    local t = redis.call('TIME')
    local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
    local ttl = tonumber(meta_ttl_s) + 86400 -- kMetaTtlSeconds + kMetaTtlRenewSeconds (task_queue.h)
    redis.call('HSET', meta, 'last_status', status, 'last_error', error, 'expires_at', tostring(math.floor(now) + ttl))
    if r[5] then
      local h = {entry = r[5], pq = r[6], after = tonumber(r[7]), cap = tonumber(r[8]), frequency = tonumber(r[9]),
                 stale = tonumber(r[10])}
      panoptes_after_run(q_index, f_index, meta, h, status, now, fmt6(now))
    end
    redis.call('EXPIRE', meta, ttl)
  end
  redis.call('RPOP', inflight)
  started = 1
end
local items = redis.call('LRANGE', inflight, 0, -1)
for i = 1, #items do
  redis.call('RPUSH', queue, items[i])
  requeued = requeued + 1
end
redis.call('DEL', inflight, running, heartbeat)
redis.call('SREM', workers, worker_id)
return {'reaped', started, requeued}
