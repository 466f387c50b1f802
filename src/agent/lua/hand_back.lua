-- The supervisor's hand-back (src/agent/task_queue.h, HandBack): moves a worker's prefetched task
-- back to the consuming end of the queue while its run lasts long. Twin: memory_task_queue.cpp.
local inflight, running, queue = KEYS[1], KEYS[2], KEYS[3]

if redis.call('EXISTS', running) == 1 and redis.call('LLEN', inflight) >= 2 then
  redis.call('LMOVE', inflight, queue, 'LEFT', 'RIGHT')
  return 1
end
return 0
