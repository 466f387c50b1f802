#include "agent/scripts.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "redis/keys.h"

namespace panoptes::agent {
namespace {

// KEYS: inflight, running, queue, [finish: lock, meta, output keys...], [guard: lock, meta,
//       preload keys...]
// ARGV: 1 number of outputs (-1: no finish part), 2 number of preload keys (-1: no guard part),
//       3 next ('T' take, 'H' hand back, else nothing), 4 meta_ttl_s, 5 metrics maxlen,
//       finish: token, status, duration_ms, error, stored, then per output: op, data
//               (op "X": XADD MAXLEN ~; else the TTL in seconds of a SET EX),
//       guard:  raw, token, lock_ttl_ms, execute_frequency, skew, results_cache_age, code_mtime,
//               expires_at, task_id, plugin name, resource id
// Returns {finished 0/1, verdict or nil, server time, taken task or nil, preload values...}.
constexpr const char* kStep = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local nows = t[1] .. '.' .. string.rep('0', 6 - #t[2]) .. t[2]
local inflight, running, queue = KEYS[1], KEYS[2], KEYS[3]
local nf, ng = tonumber(ARGV[1]), tonumber(ARGV[2])
local k, a = 4, 6
local finished = 0
-- What the script knows of the running hash: nil (unknown), true (exists), false (absent), and
-- whether a finish left it to delete (saved when the guard overwrites it at once).
local busy, stale = nil, false
if nf >= 0 then
  local lock, meta, token = KEYS[k], KEYS[k + 1], ARGV[a]
  if redis.call('HGET', running, 'token') == token then
    for i = 0, nf - 1 do
      local op, data = ARGV[a + 5 + 2 * i], ARGV[a + 6 + 2 * i]
      if op == 'X' then
        redis.call('XADD', KEYS[k + 2 + i], 'MAXLEN', '~', ARGV[5], '*', 'data', data)
      else
        redis.call('SET', KEYS[k + 2 + i], data, 'EX', op)
      end
    end
    if ARGV[a + 4] == '1' then
      redis.call('HSET', meta, 'last_status', ARGV[a + 1], 'last_duration_ms', ARGV[a + 2],
                 'last_error', ARGV[a + 3], 'last_results', nows)
    else
      redis.call('HSET', meta, 'last_status', ARGV[a + 1], 'last_duration_ms', ARGV[a + 2],
                 'last_error', ARGV[a + 3])
    end
    if redis.call('GET', lock) == token then
      redis.call('DEL', lock)
    end
    redis.call('RPOP', inflight)
    finished = 1
    busy, stale = false, true
  end
  k = k + 2 + nf
  a = a + 5 + 2 * nf
end
local verdict = false
local preload = {}
if ng >= 0 then
  local lock, meta, raw, token = KEYS[k], KEYS[k + 1], ARGV[a], ARGV[a + 1]
  if busy == nil then
    local owner = redis.call('HGET', running, 'token')
    if owner == token then
      verdict = 'run'
    end
    busy = owner ~= false
  end
  if verdict then
    -- a retried step: this guard ran already
  elseif busy or redis.call('LINDEX', inflight, -1) ~= raw then
    verdict = 'gone'
  elseif now > tonumber(ARGV[a + 7]) then
    verdict = 'expired'
  elseif redis.call('EXISTS', lock) == 1 then
    verdict = 'locked'
  else
    local m = redis.call('HMGET', meta, 'last_executed', 'last_results')
    local skew, age, mtime = tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
    local le, lr = tonumber(m[1]), tonumber(m[2])
    if le and le + tonumber(ARGV[a + 3]) > now + skew and mtime < le then
      verdict = 'too soon'
    elseif age > 0 and lr and lr + age > now + skew and mtime < lr then
      verdict = 'cached'
    else
      redis.call('SET', lock, token, 'PX', ARGV[a + 2])
      redis.call('HSET', meta, 'last_executed', nows, 'plugin', ARGV[a + 9], 'resource_id', ARGV[a + 10])
      redis.call('EXPIRE', meta, ARGV[4])
      redis.call('HSET', running, 'lock', lock, 'meta', meta, 'token', token, 'task', ARGV[a + 8])
      verdict = 'run'
      busy, stale = true, false
    end
  end
  if verdict == 'run' then
    for i = 0, ng - 1 do
      preload[#preload + 1] = redis.call('GET', KEYS[k + 2 + i])
    end
  elseif verdict ~= 'gone' then
    redis.call('RPOP', inflight)
  end
end
if stale then
  redis.call('DEL', running)
end
local taken = false
if ARGV[3] == 'T' then
  if busy == nil then
    busy = redis.call('EXISTS', running) == 1
  end
  local n = busy and 1 or 0
  if redis.call('LLEN', inflight) > n then
    taken = redis.call('LINDEX', inflight, -1 - n)
  else
    taken = redis.call('LMOVE', queue, inflight, 'RIGHT', 'LEFT')
  end
elseif ARGV[3] == 'H' and not busy and (busy == false or redis.call('EXISTS', running) == 0) then
  while redis.call('LMOVE', inflight, queue, 'LEFT', 'RIGHT') do end
end
local out = {finished, verdict, nows, taken}
for i = 1, #preload do
  out[#out + 1] = preload[i]
end
return out
)lua";

// KEYS: inflight, running, queue
constexpr const char* kHandBack = R"lua(
if redis.call('EXISTS', KEYS[2]) == 1 and redis.call('LLEN', KEYS[1]) >= 2 then
  redis.call('LMOVE', KEYS[1], KEYS[3], 'LEFT', 'RIGHT')
  return 1
end
return 0
)lua";

// KEYS: inflight, running, heartbeat, tasks queue, workers set
// ARGV: status, error, worker_id, check_heartbeat, meta_ttl_s
constexpr const char* kReap = R"lua(
if ARGV[4] == '1' and redis.call('EXISTS', KEYS[3]) == 1 then
  return {'alive', 0, 0}
end
local r = redis.call('HMGET', KEYS[2], 'lock', 'meta', 'token')
local started, requeued = 0, 0
if r[1] then
  if redis.call('GET', r[1]) == r[3] then
    redis.call('DEL', r[1])
  end
  redis.call('HSET', r[2], 'last_status', ARGV[1], 'last_error', ARGV[2])
  redis.call('EXPIRE', r[2], ARGV[5])
  redis.call('RPOP', KEYS[1])
  started = 1
end
local items = redis.call('LRANGE', KEYS[1], 0, -1)
for i = 1, #items do
  redis.call('RPUSH', KEYS[4], items[i])
  requeued = requeued + 1
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('SREM', KEYS[5], ARGV[3])
return {'reaped', started, requeued}
)lua";

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.6f", v);
  return buf;
}

std::optional<std::string> OptionalString(const redis::Reply& r) {
  return r.IsNil() ? std::nullopt : std::optional<std::string>(r.str);
}

void AddFinish(const FinishPart& f, redis::Args& k, redis::Args& a) {
  k.push_back(f.lock);
  k.push_back(f.meta);
  a.insert(a.end(), {f.token, f.status, std::to_string(f.duration_ms), f.error, f.stored ? "1" : "0"});
  for (const OutputWrite& w : f.outputs) {
    k.push_back(w.key);
    a.push_back(w.stream ? "X" : std::to_string(w.ttl_s > 0 ? w.ttl_s : 1));
    a.push_back(w.data);
  }
}

void AddGuard(const GuardPart& g, redis::Args& k, redis::Args& a) {
  k.push_back(g.lock);
  k.push_back(g.meta);
  k.insert(k.end(), g.preload_keys.begin(), g.preload_keys.end());
  a.insert(a.end(), {g.raw, g.token, std::to_string(g.lock_ttl_ms), std::to_string(g.execute_frequency),
                     std::to_string(g.skew), std::to_string(g.results_cache_age), Num(g.code_mtime),
                     Num(g.expires_at), g.task_id, g.plugin, g.resource_id});
}

}  // namespace

const redis::Script& StepScript() {
  static const redis::Script script(kStep);
  return script;
}
const redis::Script& HandBackScript() {
  static const redis::Script script(kHandBack);
  return script;
}
const redis::Script& ReapScript() {
  static const redis::Script script(kReap);
  return script;
}

Result<StepReply> RunStep(redis::Client& client, const StepKeys& keys, const StepRequest& req) {
  redis::Args k = {keys.inflight, keys.running, keys.queue};
  redis::Args a = {req.finish ? std::to_string(req.finish->outputs.size()) : "-1",
                   req.guard ? std::to_string(req.guard->preload_keys.size()) : "-1",
                   req.next == StepNext::kTake       ? "T"
                   : req.next == StepNext::kHandBack ? "H"
                                                     : "-",
                   std::to_string(kMetaTtlSeconds), std::to_string(req.metrics_maxlen)};
  if (req.finish) AddFinish(*req.finish, k, a);
  if (req.guard) AddGuard(*req.guard, k, a);
  auto reply = client.Eval(StepScript(), k, a);
  if (!reply.ok()) return reply.status().WithContext("agent step on " + keys.inflight);
  const auto& el = reply->elements;
  if (reply->type != redis::Reply::Type::kArray || el.size() < 4) {
    return Status::Internal("agent step on " + keys.inflight + ": unexpected reply");
  }
  StepReply r;
  r.finished = el[0].integer == 1;
  r.verdict = el[1].IsNil() ? "" : el[1].str;
  r.now = std::strtod(el[2].str.c_str(), nullptr);
  r.taken = OptionalString(el[3]);
  for (size_t i = 4; i < el.size(); ++i) r.preload.push_back(OptionalString(el[i]));
  r.preload.resize(r.verdict == "run" && req.guard ? req.guard->preload_keys.size() : 0);
  return r;
}

double TimeLimit(const Task& task, const PluginInfo& info) {
  return task.time_limit > 0 ? task.time_limit : info.time_limit;
}

std::vector<std::pair<std::string, std::string>> PreloadIds(const PluginInfo& info, const Task& task) {
  std::vector<std::pair<std::string, std::string>> ids;
  for (const PreloadSpec& spec : info.preload) {
    ids.emplace_back(spec.self ? (task.resource ? task.resource->id : "") : spec.resource_id,
                     spec.namespace_);
  }
  return ids;
}

GuardPart MakeGuardPart(const std::string& prefix, const PluginInfo& info, const Task& task, std::string raw,
                        std::string token, int skew) {
  GuardPart g;
  g.raw = std::move(raw);
  g.lock = redis::keys::Lock(prefix, info.kind, info.normalized_name, task.signature);
  g.meta = redis::keys::Meta(prefix, info.kind, info.normalized_name, task.signature);
  g.token = std::move(token);
  g.lock_ttl_ms = static_cast<int64_t>((TimeLimit(task, info) + 30) * 1000);
  g.execute_frequency = info.execute_frequency;
  g.skew = skew;
  g.results_cache_age = info.results_cache_age;
  g.code_mtime = static_cast<double>(std::max(info.file_mtime_ns, info.module_mtime_ns)) / 1e9;
  g.expires_at = task.expires_at > 0 ? task.expires_at : 1e18;
  g.task_id = task.id;
  g.plugin = info.name;
  g.resource_id = task.resource ? task.resource->id : "";
  for (const auto& [rid, ns] : PreloadIds(info, task)) {
    g.preload_keys.push_back(redis::keys::Enrichment(prefix, rid, ns));
  }
  return g;
}

Result<bool> HandBackPrefetched(redis::Client& client, const std::string& prefix, PluginKind kind,
                                const std::string& worker_id) {
  namespace keys = redis::keys;
  auto reply = client.Eval(HandBackScript(),
                           {keys::AgentInflight(prefix, worker_id), keys::AgentRunning(prefix, worker_id),
                            keys::Tasks(prefix, kind)},
                           {});
  if (!reply.ok()) return reply.status().WithContext("hand back the prefetched task of " + worker_id);
  return reply->integer == 1;
}

Result<ReapResult> ReapWorker(redis::Client& client, const std::string& prefix, PluginKind kind,
                              const std::string& worker_id, const std::string& status,
                              const std::string& error, bool check_heartbeat) {
  namespace keys = redis::keys;
  auto reply = client.Eval(
      ReapScript(),
      {keys::AgentInflight(prefix, worker_id), keys::AgentRunning(prefix, worker_id),
       keys::AgentHeartbeat(prefix, worker_id), keys::Tasks(prefix, kind), keys::AgentWorkers(prefix, kind)},
      {status, error, worker_id, check_heartbeat ? "1" : "0", std::to_string(kMetaTtlSeconds)});
  if (!reply.ok()) return reply.status().WithContext("reap worker " + worker_id);
  const auto& el = reply->elements;
  if (el.size() != 3) return Status::Internal("reap worker " + worker_id + ": unexpected reply");
  ReapResult r;
  r.alive = el[0].str == "alive";
  r.started = static_cast<int>(el[1].integer);
  r.requeued = static_cast<int>(el[2].integer);
  return r;
}

}  // namespace panoptes::agent
