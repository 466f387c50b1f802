-- Quarantine and freshness (docs/agent.md, "Quarantine and freshness"): the two functions that
-- step.lua and reap.lua share, prepended to each of them when they are loaded
-- (redis_task_queue.cpp). Twin: AfterRun and Quarantined in memory_task_queue.cpp.
--
-- h: the pair's health part {entry, pq (its plugin's quarantine hash), after, cap, frequency,
-- stale} (task_queue.h, HealthPart); q_index, f_index: the kind's quarantine and freshness sets.

local function fmt6(x)
  return string.format('%.6f', x)
end

-- Records a run's outcome: ok sets last_ok and pushes the freshness deadline; any other outcome
-- enters the pair into the freshness set if it is not there (a pair is tracked from its first run's
-- end); ok and empty end the quarantines of the pair and of its plugin (then h.pq is known absent
-- for the rest of the script); anything else is one more failure in a row, and `after` of them
-- quarantine the pair for frequency x 2^(failures - after + 1), at most cap.
-- `fields` (optional): a list of meta field/value pairs the caller writes in one HSET after this
-- call (last_ok goes there instead of a call of its own); `clean` (optional): the caller read the
-- meta's failures and quarantined_until in this script and found neither.
local function panoptes_after_run(q_index, f_index, meta, h, status, now, nows, fields, clean)
  if h.entry == '' then
    return
  end
  if status == 'ok' or status == 'empty' then
    if status == 'ok' then
      if fields then
        fields[#fields + 1] = 'last_ok'
        fields[#fields + 1] = nows
      else
        redis.call('HSET', meta, 'last_ok', nows)
      end
      redis.call('ZADD', f_index, now + h.stale, h.entry)
    else
      redis.call('ZADD', f_index, 'NX', now + h.stale, h.entry)
    end
    if not clean and redis.call('HDEL', meta, 'failures', 'quarantined_until') > 0 then
      redis.call('ZREM', q_index, h.entry)
    end
    if redis.call('DEL', h.pq) > 0 then
      redis.call('ZREM', q_index, string.match(h.entry, '^[^:]*'))
    end
    return
  end
  redis.call('ZADD', f_index, 'NX', now + h.stale, h.entry)
  local n = redis.call('HINCRBY', meta, 'failures', 1)
  if h.after > 0 and n >= h.after then
    local till = now + math.min(h.frequency * 2 ^ (n - h.after + 1), h.cap)
    redis.call('HSET', meta, 'quarantined_until', fmt6(till))
    redis.call('ZADD', q_index, till, h.entry)
  end
end

-- Whether the guard skips the pair: its quarantine (`qu`, from its meta, and `le` its
-- last_executed) or its plugin's lasts, and the code did not change since the run that caused
-- it. A code change ends both (and the failure count) at once. `pq_absent`: this script already
-- deleted h.pq (a finish of the same plugin), so it is not read again.
local function panoptes_quarantined(q_index, meta, h, qu, le, failures, code_mtime, now, pq_absent)
  if h.entry == '' then
    return false
  end
  local changed = le == nil or code_mtime >= le
  if qu and qu > now and not changed then
    return true
  end
  local pu, ps
  if not pq_absent then
    local p = redis.call('HMGET', h.pq, 'until', 'since')
    pu, ps = tonumber(p[1]), tonumber(p[2])
  end
  if pu and ps and code_mtime < ps then
    if pu > now then
      return true
    end
  elseif pu then
    redis.call('DEL', h.pq)
    redis.call('ZREM', q_index, string.match(h.entry, '^[^:]*'))
  end
  if changed and (qu or failures) then
    redis.call('HDEL', meta, 'failures', 'quarantined_until')
    redis.call('ZREM', q_index, h.entry)
  end
  return false
end
