-- Dead-letters a task a worker holds (src/agent/task_queue.h, DeadLetter): only if it is still in
-- flight, so a retry after a lost reply does not push the entry twice. Twin: memory_task_queue.cpp.
local inflight, deadletter = KEYS[1], KEYS[2]
local raw, entry = ARGV[1], ARGV[2]

if redis.call('LREM', inflight, -1, raw) == 1 then
  redis.call('LPUSH', deadletter, entry)
  return 1
end
return 0
