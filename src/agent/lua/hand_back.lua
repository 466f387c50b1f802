-- The supervisor's hand-back (src/agent/task_queue.h, HandBack and HandBackEach): moves the
-- prefetched task of each worker whose run lasts long back to the consuming end of the queue, for
-- all the workers of one watch pass in one call, unless the queue holds tasks: then no worker
-- waits for one, and a hand-back would only put this task before them at the cost of its worker's
-- next step (docs/agent.md, "Prefetch and long runs"). Twin: memory_task_queue.cpp (HandBack).
-- KEYS: the queue, then each worker's in-flight list and running hash. Returns one 0/1 per worker.
local queue = KEYS[1]
local moved = {}
local backlog = redis.call('LLEN', queue) > 0
for i = 2, #KEYS - 1, 2 do
  local inflight, running = KEYS[i], KEYS[i + 1]
  if not backlog and redis.call('EXISTS', running) == 1 and redis.call('LLEN', inflight) >= 2 then
    redis.call('LMOVE', inflight, queue, 'LEFT', 'RIGHT')
    moved[#moved + 1] = 1
  else
    moved[#moved + 1] = 0
  end
end
return moved
