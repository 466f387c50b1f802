-- Ends quarantines (src/agent/task_queue.h, Unquarantine): the pairs of plugin `name` whose meta
-- resource_id is `resource_id` (empty: every pair of it, and the whole-plugin quarantine).
-- Twin: memory_task_queue.cpp.
local q_index, pq = KEYS[1], KEYS[2]
local name, resource_id, meta_prefix = ARGV[1], ARGV[2], ARGV[3]

local lifted = 0
if resource_id == '' and redis.call('DEL', pq) > 0 then
  redis.call('ZREM', q_index, name)
  lifted = lifted + 1
end
local members = redis.call('ZRANGE', q_index, 0, -1)
for i = 1, #members do
  local m = members[i]
  if string.sub(m, 1, #name + 1) == name .. ':' then
    local meta = meta_prefix .. m
    if resource_id == '' or redis.call('HGET', meta, 'resource_id') == resource_id then
      redis.call('HDEL', meta, 'failures', 'quarantined_until')
      redis.call('ZREM', q_index, m)
      lifted = lifted + 1
    end
  end
end
return lifted
