-- The agent's step: finish the task that ran, guard the task at the tail, take or hand back.
-- One round trip, atomic; its contract is in src/agent/task_queue.h (Step), and its twin is
-- src/agent/memory_task_queue.cpp: the contract tests run both, so change them together.
-- outcome.lua is prepended (panoptes_after_run, panoptes_quarantined).
--
-- The arguments are decoded here, by position, once; the encoder is EncodeStep in
-- src/agent/redis_task_queue.cpp. Absent parts are sent as empty strings (their keys as the
-- in-flight key, for ACL key patterns) and are never touched.
local inflight, running, queue = KEYS[1], KEYS[2], KEYS[3]
local f_lock, f_meta, g_lock, g_meta = KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local n_out, n_pre = tonumber(ARGV[1]), tonumber(ARGV[2]) -- -1: no finish / no guard part
local has_finish, has_guard = n_out >= 0, n_pre >= 0
n_out, n_pre = math.max(n_out, 0), math.max(n_pre, 0)
local next_op, meta_ttl_s, maxlen = ARGV[3], tonumber(ARGV[4]), ARGV[5] -- next: 'T' take, 'H' hand back
local meta_renew_s = 86400 -- kMetaTtlRenewSeconds (task_queue.h)
local f_token, f_status, f_duration_ms, f_error, f_stored = ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local g_raw, g_token, g_lock_ttl_ms = ARGV[11], ARGV[12], ARGV[13]
local g_frequency, g_skew = tonumber(ARGV[14]), tonumber(ARGV[15])
local g_cache_age, g_code_mtime, g_expires_at = tonumber(ARGV[16]), tonumber(ARGV[17]), tonumber(ARGV[18])
local g_task_id, g_plugin, g_resource_id = ARGV[19], ARGV[20], ARGV[21]
-- The task's scheduled_for (0: none); the finished run's plugin start on this clock (0: unknown).
local g_scheduled, f_started = tonumber(ARGV[22]), tonumber(ARGV[23])
-- Quarantine and freshness (outcome.lua): the kind's two sets, then each part's health.
local q_index, f_index = KEYS[8], KEYS[9]
local f_health = {entry = ARGV[24], pq = KEYS[10], after = tonumber(ARGV[25]), cap = tonumber(ARGV[26]),
                  frequency = tonumber(ARGV[27]), stale = tonumber(ARGV[28])}
local g_health = {entry = ARGV[29], pq = KEYS[11], after = tonumber(ARGV[30]), cap = tonumber(ARGV[31]),
                  frequency = g_frequency, stale = tonumber(ARGV[32])}
local out_args = 33 -- then per output: op ('X': XADD, the stream capped at maxlen; else a SET's TTL in s), data
local out_keys = 12 -- then n_out output keys, then n_pre preload keys

local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local nows = t[1] .. '.' .. string.rep('0', 6 - #t[2]) .. t[2]

local finished, lock_lost = 0, 0
-- What the script knows of the running hash: nil (unknown), true (exists), false (absent), and
-- whether a finish left it to delete (saved when the guard overwrites it at once).
local busy, stale = nil, false
-- The plugin quarantine hash the finish deleted (nil: none), which the guard then need not read.
local pq_gone = nil
-- The in-flight list's length when the guard found its task at the tail (nil: unknown), kept up
-- to date through the guard's pop: the take then need not ask.
local inflight_len = nil
if has_finish and redis.call('HGET', running, 'token') == f_token then
  local streams, seen = {}, {} -- the streams written, in order, each once
  for i = 0, n_out - 1 do
    local op, data = ARGV[out_args + 2 * i], ARGV[out_args + 1 + 2 * i]
    if op == 'X' then
      local stream = KEYS[out_keys + i]
      redis.call('XADD', stream, '*', 'data', data)
      if not seen[stream] then
        seen[stream] = true
        streams[#streams + 1] = stream
      end
    else
      redis.call('SET', KEYS[out_keys + i], data, 'EX', op)
    end
  end
  -- The cap, once per stream after the run's writes (the script is atomic: nobody sees the stream
  -- in between). Consumers trim below what every group acknowledged; this cap only bounds the
  -- backlog, and what it trims while a group exists was never acknowledged: counted in the stream
  -- key followed by ':overflow' (keys::MetricsOverflow, docs/outputs.md).
  for _, stream in ipairs(streams) do
    if redis.call('XLEN', stream) > tonumber(maxlen) then
      local cut = redis.call('XTRIM', stream, 'MAXLEN', '~', maxlen)
      if cut > 0 and #redis.call('XINFO', 'GROUPS', stream) > 0 then
        redis.call('INCRBY', stream .. ':overflow', cut)
      end
    end
  end
  -- The meta's fields are written in one HSET, after the outcome's other bookkeeping.
  local fields = {'last_status', f_status, 'last_duration_ms', f_duration_ms, 'last_error', f_error}
  if f_stored == '1' then
    fields[#fields + 1] = 'last_results'
    fields[#fields + 1] = nows
  end
  local m = redis.call('HMGET', f_meta, 'last_executed', 'failures', 'quarantined_until')
  -- last_executed becomes the plugin's start (the guard stamped its own time, which is earlier
  -- when the worker paused or retried in between), unless a later run stamped it since.
  if f_started > 0 and f_started > (tonumber(m[1]) or 0) then
    fields[#fields + 1] = 'last_executed'
    fields[#fields + 1] = ARGV[23] -- already '%.6f' (redis::FixedNumber)
  end
  panoptes_after_run(q_index, f_index, f_meta, f_health, f_status, now, nows, fields, not m[2] and not m[3])
  if f_health.entry ~= '' and (f_status == 'ok' or f_status == 'empty') then
    pq_gone = f_health.pq
  end
  redis.call('HSET', f_meta, unpack(fields))
  if redis.call('GET', f_lock) == f_token then
    redis.call('DEL', f_lock)
  else
    lock_lost = 1 -- expired or lost by Redis: the worker says so
  end
  redis.call('RPOP', inflight)
  finished = 1
  busy, stale = false, true
end

local verdict = false
local preload = {}
if has_guard then
  if busy == nil then
    local owner = redis.call('HGET', running, 'token')
    if owner == g_token then
      verdict = 'run' -- a retried step: this guard ran already
    end
    busy = owner ~= false
  end
  if not verdict and not busy then
    -- Whether the tail is this task, compared by Redis (the task's text does not enter Lua a second
    -- time): its index counted from the head, or nil.
    local at = redis.call('LPOS', inflight, g_raw, 'RANK', -1, 'MAXLEN', 1)
    if at then
      inflight_len = at + 1
    end
  end
  if verdict then
    -- nothing more to do
  elseif not inflight_len then
    verdict = 'gone' -- another run is on, or the tail is another task
  elseif now > g_expires_at then
    verdict = 'expired'
  elseif not redis.call('SET', g_lock, g_token, 'NX', 'PX', g_lock_ttl_ms) then
    verdict = 'locked'
  else
    -- The lock is taken here (one call for the check and the set); a skip below gives it back.
    local m = redis.call('HMGET', g_meta, 'last_executed', 'last_results', 'last_scheduled', 'quarantined_until',
                         'failures', 'expires_at')
    local le, lr, ls = tonumber(m[1]), tonumber(m[2]), tonumber(m[3])
    -- Too soon (docs/agent.md, "The frequency guard"): with both scheduled times known, a task of
    -- the last run's period (or an earlier one), or one starting less than half a period after the
    -- last start; else (a task or record without a scheduled time) less than a period after it.
    local soon
    if le and ls and g_scheduled > 0 then
      soon = g_scheduled < ls + g_frequency - 0.001 or le + g_frequency / 2 > now + g_skew
    else
      soon = le and le + g_frequency > now + g_skew
    end
    if panoptes_quarantined(q_index, g_meta, g_health, tonumber(m[4]), le, m[5], g_code_mtime, now,
                            pq_gone == g_health.pq) then
      verdict = 'quarantined'
    elseif soon and g_code_mtime < le then
      verdict = 'too soon'
    elseif g_cache_age > 0 and lr and lr + g_cache_age > now + g_skew and g_code_mtime < lr then
      verdict = 'cached'
    else
      local fields = {'last_executed', nows, 'plugin', g_plugin, 'resource_id', g_resource_id}
      if g_scheduled > 0 then -- never a future period: a producer's fast clock must not block the pair
        fields[7], fields[8] = 'last_scheduled', string.format('%.3f', math.min(g_scheduled, now))
      end
      -- The meta lives at least meta_ttl_s after its last run: its TTL (`expires_at`, when it ends)
      -- is renewed by the run that finds less than that left, about once a day per pair.
      local renew = not (tonumber(m[6]) and tonumber(m[6]) >= now + meta_ttl_s)
      if renew then
        fields[#fields + 1] = 'expires_at'
        fields[#fields + 1] = tostring(math.floor(now) + meta_ttl_s + meta_renew_s)
      end
      redis.call('HSET', g_meta, unpack(fields))
      if renew then
        redis.call('EXPIRE', g_meta, meta_ttl_s + meta_renew_s)
      end
      -- `at`: the stamp this guard wrote, so that a reaper records nothing over a later run's.
      -- With a health part, also what a reaper needs to count a crash or timeout of this run
      -- (reap.lua): its policy fields are left as they are when the finish above was of a run with
      -- the same policy (its guard wrote them; a finish carries its guard's health part).
      local fh = f_health
      if g_health.entry == '' then
        if stale and fh.entry ~= '' then
          redis.call('DEL', running) -- no health fields of the finished run may stay
        end
        redis.call('HSET', running, 'lock', g_lock, 'meta', g_meta, 'token', g_token, 'task', g_task_id, 'at', nows)
      elseif stale and fh.entry ~= '' and fh.pq == g_health.pq and fh.after == g_health.after and
          fh.cap == g_health.cap and fh.frequency == g_health.frequency and fh.stale == g_health.stale then
        redis.call('HSET', running, 'lock', g_lock, 'meta', g_meta, 'token', g_token, 'task', g_task_id, 'at', nows,
                   'entry', g_health.entry)
      else
        redis.call('HSET', running, 'lock', g_lock, 'meta', g_meta, 'token', g_token, 'task', g_task_id, 'at', nows,
                   'entry', g_health.entry, 'pq', g_health.pq, 'after', g_health.after, 'cap', g_health.cap,
                   'frequency', g_health.frequency, 'stale', g_health.stale)
      end
      verdict = 'run'
      busy, stale = true, false
    end
    if verdict ~= 'run' then
      redis.call('DEL', g_lock)
    end
  end
  if verdict == 'run' then
    for i = 0, n_pre - 1 do
      preload[#preload + 1] = redis.call('GET', KEYS[out_keys + n_out + i])
    end
  elseif verdict ~= 'gone' then
    redis.call('RPOP', inflight)
    if inflight_len then
      inflight_len = inflight_len - 1
    end
  end
end
if stale then
  redis.call('DEL', running)
end

local taken = false
if next_op == 'T' then
  if busy == nil then
    busy = redis.call('EXISTS', running) == 1
  end
  local n = busy and 1 or 0
  if (inflight_len or redis.call('LLEN', inflight)) > n then
    taken = redis.call('LINDEX', inflight, -1 - n)
  else
    taken = redis.call('LMOVE', queue, inflight, 'RIGHT', 'LEFT')
  end
elseif next_op == 'H' and not busy and (busy == false or redis.call('EXISTS', running) == 0) then
  while redis.call('LMOVE', inflight, queue, 'LEFT', 'RIGHT') do end
end

local out = {finished, verdict, nows, taken, lock_lost}
for i = 1, #preload do
  out[#out + 1] = preload[i]
end
return out
