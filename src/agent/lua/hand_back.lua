-- The supervisor's hand-back (src/agent/task_queue.h, HandBack and HandBackEach): moves the
-- prefetched task of each worker whose run lasts long back to the consuming end of the queue, for
-- all the workers of one watch pass in one call. Twin: memory_task_queue.cpp (through HandBack).
-- KEYS: the queue, then each worker's in-flight list and running hash. Returns one 0/1 per worker.
local queue = KEYS[1]
local moved = {}
for i = 2, #KEYS - 1, 2 do
  local inflight, running = KEYS[i], KEYS[i + 1]
  if redis.call('EXISTS', running) == 1 and redis.call('LLEN', inflight) >= 2 then
    redis.call('LMOVE', inflight, queue, 'LEFT', 'RIGHT')
    moved[#moved + 1] = 1
  else
    moved[#moved + 1] = 0
  end
end
return moved
