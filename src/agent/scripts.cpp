#include "agent/scripts.h"

#include <cstdio>
#include <cstdlib>

#include "redis/keys.h"

namespace panoptes::agent {
namespace {

// KEYS: lock, meta, running, inflight, preload keys...
// ARGV: token, lock_ttl_ms, execute_frequency, skew, results_cache_age, code_mtime, expires_at,
//       meta_ttl_s, task_id, plugin name, resource id (both recorded in P:meta for last-runs)
constexpr const char* kGuard = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local nows = string.format('%.6f', now)
if now > tonumber(ARGV[7]) then
  redis.call('DEL', KEYS[4])
  return {'expired', nows}
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('DEL', KEYS[4])
  return {'locked', nows}
end
local m = redis.call('HMGET', KEYS[2], 'last_executed', 'last_results')
local skew = tonumber(ARGV[4])
local mtime = tonumber(ARGV[6])
local le = tonumber(m[1])
if le and le + tonumber(ARGV[3]) > now + skew and mtime < le then
  redis.call('DEL', KEYS[4])
  return {'too soon', nows}
end
local age = tonumber(ARGV[5])
local lr = tonumber(m[2])
if age > 0 and lr and lr + age > now + skew and mtime < lr then
  redis.call('DEL', KEYS[4])
  return {'cached', nows}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('HSET', KEYS[2], 'last_executed', nows, 'plugin', ARGV[10], 'resource_id', ARGV[11])
redis.call('EXPIRE', KEYS[2], ARGV[8])
redis.call('HSET', KEYS[3], 'lock', KEYS[1], 'meta', KEYS[2], 'token', ARGV[1], 'task', ARGV[9])
local out = {'run', nows}
for i = 5, #KEYS do
  out[#out + 1] = redis.call('GET', KEYS[i])
end
return out
)lua";

// KEYS: lock, meta, running, inflight, output keys...
// ARGV: token, status, duration_ms, error, stored, meta_ttl_s, maxlen, then per output: op, data
//       (op "X": XADD MAXLEN ~; else the TTL in seconds of a SET EX)
constexpr const char* kFinish = R"lua(
local t = redis.call('TIME')
local nows = string.format('%.6f', tonumber(t[1]) + tonumber(t[2]) / 1000000)
for i = 5, #KEYS do
  local op = ARGV[8 + (i - 5) * 2]
  local data = ARGV[9 + (i - 5) * 2]
  if op == 'X' then
    redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[7], '*', 'data', data)
  else
    redis.call('SET', KEYS[i], data, 'EX', op)
  end
end
redis.call('HSET', KEYS[2], 'last_status', ARGV[2], 'last_duration_ms', ARGV[3], 'last_error', ARGV[4])
if ARGV[5] == '1' then
  redis.call('HSET', KEYS[2], 'last_results', nows)
end
redis.call('EXPIRE', KEYS[2], ARGV[6])
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
redis.call('DEL', KEYS[3], KEYS[4])
return 1
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
  started = 1
else
  local items = redis.call('LRANGE', KEYS[1], 0, -1)
  for i = #items, 1, -1 do
    redis.call('RPUSH', KEYS[4], items[i])
    requeued = requeued + 1
  end
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

}  // namespace

const redis::Script& GuardScript() {
  static const redis::Script script(kGuard);
  return script;
}
const redis::Script& FinishScript() {
  static const redis::Script script(kFinish);
  return script;
}
const redis::Script& ReapScript() {
  static const redis::Script script(kReap);
  return script;
}

Result<GuardDecision> RunGuard(redis::Client& client, const RunKeys& keys, const GuardRequest& req) {
  redis::Args k = {keys.lock, keys.meta, keys.running, keys.inflight};
  k.insert(k.end(), req.preload_keys.begin(), req.preload_keys.end());
  redis::Args a = {req.token,
                   std::to_string(req.lock_ttl_ms),
                   std::to_string(req.execute_frequency),
                   std::to_string(req.skew),
                   std::to_string(req.results_cache_age),
                   Num(req.code_mtime),
                   Num(req.expires_at),
                   std::to_string(kMetaTtlSeconds),
                   req.task_id,
                   req.plugin,
                   req.resource_id};
  auto reply = client.Eval(GuardScript(), k, a);
  if (!reply.ok()) return reply.status().WithContext("guard " + keys.lock);
  const auto& el = reply->elements;
  if (reply->type != redis::Reply::Type::kArray || el.size() < 2) {
    return Status::Internal("guard " + keys.lock + ": unexpected reply");
  }
  GuardDecision d;
  d.verdict = el[0].str;
  d.now = std::strtod(el[1].str.c_str(), nullptr);
  for (size_t i = 2; i < el.size(); ++i) {
    d.preload.push_back(el[i].IsNil() ? std::nullopt : std::optional<std::string>(el[i].str));
  }
  d.preload.resize(d.verdict == "run" ? req.preload_keys.size() : 0);
  return d;
}

Status RunFinish(redis::Client& client, const RunKeys& keys, const FinishRequest& req) {
  redis::Args k = {keys.lock, keys.meta, keys.running, keys.inflight};
  redis::Args a = {req.token,
                   req.status,
                   std::to_string(req.duration_ms),
                   req.error,
                   req.stored ? "1" : "0",
                   std::to_string(kMetaTtlSeconds),
                   std::to_string(req.metrics_maxlen)};
  for (const OutputWrite& w : req.outputs) {
    k.push_back(w.key);
    a.push_back(w.stream ? "X" : std::to_string(w.ttl_s > 0 ? w.ttl_s : 1));
    a.push_back(w.data);
  }
  auto reply = client.Eval(FinishScript(), k, a);
  if (!reply.ok()) return reply.status().WithContext("finish " + keys.lock);
  return Status::Ok();
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
