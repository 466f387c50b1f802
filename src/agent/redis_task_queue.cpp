#include "agent/redis_task_queue.h"

#include <cstdlib>

#include "agent/lua_sources.h"
#include "redis/keys.h"
#include "redis/number.h"

namespace panoptes::agent {
namespace {

std::optional<std::string> OptionalString(const redis::Reply& r) {
  return r.IsNil() ? std::nullopt : std::optional<std::string>(r.str);
}

const char* NextOp(StepNext next) {
  switch (next) {
    case StepNext::kTake: return "T";
    case StepNext::kHandBack: return "H";
    case StepNext::kNone: break;
  }
  return "-";
}

// The arguments of lua/step.lua, in the order its first lines decode them: fixed positions for
// the header and both parts (empty strings for an absent part), then the variable-length lists.
void EncodeStep(const std::string& inflight, const std::string& running, const std::string& queue,
                const std::string& quarantine, const std::string& freshness, const StepRequest& req,
                redis::Args& k, redis::Args& a) {
  static const FinishPart kNoFinish;
  static const GuardPart kNoGuard;
  const FinishPart& f = req.finish ? *req.finish : kNoFinish;
  const GuardPart& g = req.guard ? *req.guard : kNoGuard;
  size_t n_out = f.outputs.size(), n_pre = g.preload_keys.size();
  k.reserve(11 + n_out + n_pre);
  a.reserve(32 + 2 * n_out);
  // An absent part's keys are sent as the in-flight key, which the script then never uses as a lock
  // or meta key: an empty key name would match no ACL key pattern (docs/security.md) and NOPERM.
  auto key = [&](const std::string& k) -> const std::string& { return k.empty() ? inflight : k; };
  k.insert(k.end(), {inflight, running, queue, key(f.lock), key(f.meta), key(g.lock), key(g.meta)});
  a.insert(a.end(), {req.finish ? std::to_string(n_out) : "-1", req.guard ? std::to_string(n_pre) : "-1",
                     NextOp(req.next), std::to_string(kMetaTtlSeconds), std::to_string(req.metrics_maxlen)});
  a.insert(a.end(), {f.token, f.status, std::to_string(f.duration_ms), f.error, f.stored ? "1" : "0"});
  a.insert(a.end(),
           {g.raw, g.token, std::to_string(g.lock_ttl_ms), std::to_string(g.execute_frequency),
            std::to_string(g.skew), std::to_string(g.results_cache_age), redis::FixedNumber(g.code_mtime),
            redis::FixedNumber(g.expires_at), g.task_id, g.plugin, g.resource_id});
  a.insert(a.end(), {redis::FixedNumber(g.scheduled_for), redis::FixedNumber(f.started)});
  const HealthPart &fh = f.health, &gh = g.health;
  k.insert(k.end(), {quarantine, freshness, key(fh.plugin_quarantine), key(gh.plugin_quarantine)});
  a.insert(a.end(), {fh.entry, std::to_string(fh.quarantine_after), std::to_string(fh.backoff_max_s),
                     std::to_string(fh.frequency), std::to_string(fh.stale_after_s)});
  a.insert(a.end(), {gh.entry, std::to_string(gh.quarantine_after), std::to_string(gh.backoff_max_s),
                     std::to_string(gh.stale_after_s)});
  for (const OutputWrite& w : f.outputs) {
    k.push_back(w.key);
    a.push_back(w.stream ? "X" : std::to_string(w.ttl_s > 0 ? w.ttl_s : 1));
    a.push_back(w.data);
  }
  k.insert(k.end(), g.preload_keys.begin(), g.preload_keys.end());
}

Result<StepReply> DecodeStep(const redis::Reply& reply, const StepRequest& req) {
  const auto& el = reply.elements;
  if (reply.type != redis::Reply::Type::kArray || el.size() < 5) return Status::Internal("unexpected reply");
  StepReply r;
  r.finished = el[0].integer == 1;
  if (!el[1].IsNil()) {
    r.verdict = ParseVerdict(el[1].str);
    if (!r.verdict) return Status::Internal("unknown verdict '" + el[1].str + "'");
  }
  r.now = std::strtod(el[2].str.c_str(), nullptr);
  r.taken = OptionalString(el[3]);
  r.lock_lost = r.finished && el[4].integer == 1;
  if (r.verdict == Verdict::kRun && req.guard) {
    for (size_t i = 5; i < el.size(); ++i) r.preload.push_back(OptionalString(el[i]));
    r.preload.resize(req.guard->preload_keys.size());
  }
  return r;
}

}  // namespace

const redis::Script& StepScript() {
  static const redis::Script script(std::string(kOutcomeLua) + kStepLua);
  return script;
}

namespace {
const redis::Script& HandBackScript() {
  static const redis::Script script(kHandBackLua);
  return script;
}
const redis::Script& DeadLetterScript() {
  static const redis::Script script(kDeadLetterLua);
  return script;
}
const redis::Script& ReapScript() {
  static const redis::Script script(std::string(kOutcomeLua) + kReapLua);
  return script;
}
const redis::Script& QuarantinePluginScript() {
  static const redis::Script script(kQuarantinePluginLua);
  return script;
}
const redis::Script& UnquarantineScript() {
  static const redis::Script script(kUnquarantineLua);
  return script;
}
const redis::Script& HealthReportScript() {
  static const redis::Script script(kHealthReportLua);
  return script;
}

// How many members of each set HealthReport reads at most (one script call; bounded work).
constexpr int kHealthReportLimit = 1000;
}  // namespace

RedisTaskQueue::RedisTaskQueue(redis::Client& client, std::string prefix, PluginKind kind)
    : client_(client),
      prefix_(std::move(prefix)),
      kind_(kind),
      queue_(redis::keys::Tasks(prefix_, kind)),
      deadletter_(redis::keys::Deadletter(prefix_, kind)),
      workers_(redis::keys::AgentWorkers(prefix_, kind)),
      quarantine_(redis::keys::Quarantine(prefix_, kind)),
      freshness_(redis::keys::Freshness(prefix_, kind)) {}

const RedisTaskQueue::WorkerKeys& RedisTaskQueue::KeysOf(const std::string& worker_id) {
  if (last_.id != worker_id || last_.inflight.empty()) {
    last_ = {worker_id, redis::keys::AgentInflight(prefix_, worker_id),
             redis::keys::AgentRunning(prefix_, worker_id), redis::keys::AgentHeartbeat(prefix_, worker_id)};
  }
  return last_;
}

Result<StepReply> RedisTaskQueue::Step(const std::string& worker_id, const StepRequest& request) {
  const WorkerKeys& w = KeysOf(worker_id);
  redis::Args k, a;
  EncodeStep(w.inflight, w.running, queue_, quarantine_, freshness_, request, k, a);
  auto reply = client_.Eval(StepScript(), k, a);
  if (!reply.ok()) return reply.status().WithContext("agent step on " + w.inflight);
  auto r = DecodeStep(*reply, request);
  if (!r.ok()) return r.status().WithContext("agent step on " + w.inflight);
  return r;
}

Result<std::optional<std::string>> RedisTaskQueue::Take(const std::string& worker_id,
                                                        std::chrono::milliseconds block) {
  const WorkerKeys& w = KeysOf(worker_id);
  auto reply = client_.Blocking(
      {"BLMOVE", queue_, w.inflight, "RIGHT", "LEFT", redis::FixedNumber(block.count() / 1000.0)}, block);
  if (!reply.ok()) return reply.status().WithContext("take a task into " + w.inflight);
  return OptionalString(*reply);
}

Status RedisTaskQueue::DeadLetter(const std::string& worker_id, const std::string& raw,
                                  const std::string& entry) {
  const WorkerKeys& w = KeysOf(worker_id);
  auto reply = client_.Eval(DeadLetterScript(), {w.inflight, deadletter_}, {raw, entry});
  if (!reply.ok()) return reply.status().WithContext("dead-letter a task of " + worker_id);
  return Status::Ok();
}

Result<QueueDepth> RedisTaskQueue::Heartbeat(const std::vector<std::string>& worker_ids, int64_t ttl_ms) {
  std::vector<redis::Args> cmds;
  cmds.reserve(2 * worker_ids.size() + 2);
  for (const std::string& id : worker_ids) {
    cmds.push_back({"SET", redis::keys::AgentHeartbeat(prefix_, id), "1", "PX", std::to_string(ttl_ms)});
    cmds.push_back({"SADD", workers_, id});
  }
  cmds.push_back({"LLEN", queue_});
  cmds.push_back({"LLEN", deadletter_});
  auto replies = client_.Pipeline(cmds);
  if (!replies.ok()) return replies.status().WithContext("heartbeat");
  for (const redis::Reply& r : *replies) {
    if (r.IsError()) return Status::RedisError("heartbeat: " + r.str);
  }
  size_t n = replies->size();
  return QueueDepth{(*replies)[n - 2].integer, (*replies)[n - 1].integer};
}

Result<bool> RedisTaskQueue::HandBack(const std::string& worker_id) {
  auto moved = HandBackEach({worker_id});
  if (!moved.ok()) return moved.status();
  return static_cast<bool>(moved->at(0));
}

Result<std::vector<bool>> RedisTaskQueue::HandBackEach(const std::vector<std::string>& worker_ids) {
  redis::Args keys{queue_};
  for (const auto& id : worker_ids) {
    keys.push_back(redis::keys::AgentInflight(prefix_, id));
    keys.push_back(redis::keys::AgentRunning(prefix_, id));
  }
  auto reply = client_.Eval(HandBackScript(), keys, {});
  std::string what = worker_ids.size() == 1 ? worker_ids[0] : std::to_string(worker_ids.size()) + " workers";
  if (!reply.ok()) return reply.status().WithContext("hand back the prefetched task of " + what);
  if (reply->elements.size() != worker_ids.size())
    return Status::Internal("hand back: " + std::to_string(reply->elements.size()) + " answers for " +
                            std::to_string(worker_ids.size()) + " workers");
  std::vector<bool> moved;
  for (const auto& e : reply->elements) moved.push_back(e.integer == 1);
  return moved;
}

Result<std::vector<std::string>> RedisTaskQueue::Workers() {
  auto members = client_.Command({"SMEMBERS", workers_});
  if (!members.ok()) return members.status().WithContext("list the workers");
  std::vector<std::string> ids;
  for (const redis::Reply& m : members->elements) ids.push_back(m.str);
  return ids;
}

Result<ReapResult> RedisTaskQueue::Reap(const std::string& worker_id, const std::string& status,
                                        const std::string& error, bool check_heartbeat) {
  const WorkerKeys& w = KeysOf(worker_id);
  auto reply = client_.Eval(
      ReapScript(), {w.inflight, w.running, w.heartbeat, queue_, workers_, quarantine_, freshness_},
      {status, error, worker_id, check_heartbeat ? "1" : "0", std::to_string(kMetaTtlSeconds)});
  if (!reply.ok()) return reply.status().WithContext("reap worker " + worker_id);
  const auto& el = reply->elements;
  if (el.size() != 3) return Status::Internal("reap worker " + worker_id + ": unexpected reply");
  ReapResult r;
  r.alive = el[0].str == "alive";
  r.waiting = el[0].str == "waiting";
  r.started = static_cast<int>(el[1].integer);
  r.requeued = static_cast<int>(el[2].integer);
  return r;
}

Result<std::optional<std::string>> RedisTaskQueue::QuarantinePlugin(const std::string& worker_id,
                                                                    const std::string& error) {
  const WorkerKeys& w = KeysOf(worker_id);
  auto reply = client_.Eval(QuarantinePluginScript(), {w.running, quarantine_},
                            {error, std::to_string(kMetaTtlSeconds)});
  if (!reply.ok()) return reply.status().WithContext("quarantine the plugin of worker " + worker_id);
  return OptionalString(*reply);
}

Result<int> RedisTaskQueue::Unquarantine(const std::string& normalized_name, const std::string& resource_id) {
  auto reply = client_.Eval(
      UnquarantineScript(), {quarantine_, redis::keys::PluginQuarantine(prefix_, kind_, normalized_name)},
      {normalized_name, resource_id, redis::keys::Join(prefix_, {"meta", KindName(kind_)}) + ":"});
  if (!reply.ok()) return reply.status().WithContext("unquarantine " + normalized_name);
  return static_cast<int>(reply->integer);
}

Result<std::vector<PluginHealth>> RedisTaskQueue::HealthReport() {
  auto reply =
      client_.Eval(HealthReportScript(), {quarantine_, freshness_, redis::keys::Schedule(prefix_, kind_)},
                   {std::to_string(kHealthReportLimit)});
  if (!reply.ok()) return reply.status().WithContext("read the quarantined and stale pairs");
  std::vector<PluginHealth> out;
  for (const redis::Reply& row : reply->elements) {
    if (row.elements.size() != 4) return Status::Internal("health report: unexpected reply");
    out.push_back({row.elements[0].str, row.elements[1].integer, row.elements[2].integer != 0,
                   row.elements[3].integer});
  }
  return out;
}

}  // namespace panoptes::agent
