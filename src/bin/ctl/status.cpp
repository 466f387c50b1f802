// panoptes-ctl status (docs/architecture.md): per kind the leader, the queue (depth and the age of its oldest
// pending task), dead letters and workers; per plugin the counts of each last status; the pairs
// in quarantine and the stale ones (health.h).

#include <cstdio>
#include <map>

#include "bin/ctl/commands.h"
#include "bin/ctl/health.h"
#include "bin/ctl/output.h"
#include "bin/ctl/session.h"
#include "model/json.h"
#include "redis/keys.h"

namespace panoptes::ctl {
namespace {

int64_t IntOf(const redis::Reply& r) {
  return r.type == redis::Reply::Type::kInteger ? r.integer : 0;
}

// Seconds since the oldest pending task (the right end of P:tasks:<kind>) was scheduled; null when
// the queue is empty or its oldest entry has no scheduled_for.
nlohmann::json OldestPendingAge(const redis::Reply& oldest, double now_s) {
  if (oldest.IsNil()) return nullptr;
  auto task = nlohmann::json::parse(oldest.str, nullptr, false);
  if (!task.is_object() || !task.contains("scheduled_for") || !task["scheduled_for"].is_number())
    return nullptr;
  return now_s - task["scheduled_for"].get<double>();
}

// The workers registered for `kind`: id, alive (heartbeat), tasks in flight, task running.
Result<nlohmann::json> Workers(redis::Client& client, const std::string& p, const redis::Reply& members) {
  std::vector<redis::Args> probes;
  for (const redis::Reply& w : members.elements) {
    probes.push_back({"PTTL", redis::keys::AgentHeartbeat(p, w.str)});
    probes.push_back({"LLEN", redis::keys::AgentInflight(p, w.str)});
    probes.push_back({"HGET", redis::keys::AgentRunning(p, w.str), "task"});
  }
  auto replies = client.Pipeline(probes);
  if (!replies.ok()) return replies.status();
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < members.elements.size(); ++i) {
    const redis::Reply* r = &(*replies)[3 * i];
    out.push_back({{"id", members.elements[i].str},
                   {"alive", IntOf(r[0]) > 0},
                   {"in_flight", IntOf(r[1])},
                   {"running_task", r[2].IsNil() ? nlohmann::json(nullptr) : nlohmann::json(r[2].str)}});
  }
  return out;
}

// Per plugin of `kind`: how many of its P:meta hashes hold each last_status.
Result<nlohmann::json> PluginCounts(redis::Client& client, const std::string& p, PluginKind kind) {
  std::string match = redis::keys::Join(p, {"meta", KindName(kind), "*"});
  std::vector<std::string> keys;
  std::string cursor = "0";
  do {
    auto page = client.Command({"SCAN", cursor, "MATCH", match, "COUNT", "1000"});
    if (!page.ok()) return page.status();
    cursor = page->elements[0].str;
    for (const auto& k : page->elements[1].elements) keys.push_back(k.str);
  } while (cursor != "0");
  std::vector<redis::Args> gets;
  for (const std::string& k : keys) gets.push_back({"HMGET", k, "plugin", "last_status"});
  auto rows = client.Pipeline(gets);
  if (!rows.ok()) return rows.status();
  std::map<std::string, std::map<std::string, int64_t>> counts;
  size_t name_at = match.size() - 1;  // the normalized name follows "P:meta:<kind>:"
  for (size_t i = 0; i < keys.size(); ++i) {
    const auto& f = (*rows)[i].elements;
    if (f.size() != 2 || f[1].IsNil()) continue;
    std::string plugin =
        !f[0].IsNil() ? f[0].str : keys[i].substr(name_at, keys[i].find(':', name_at) - name_at);
    ++counts[plugin][f[1].str];
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [plugin, by_status] : counts)
    out.push_back({{"plugin", plugin}, {"last_status", by_status}});
  return out;
}

Result<nlohmann::json> KindStatus(redis::Client& client, const std::string& p, PluginKind kind,
                                  double now_s) {
  auto head = client.Pipeline({{"GET", redis::keys::Leader(p, kind)},
                               {"PTTL", redis::keys::Leader(p, kind)},
                               {"LLEN", redis::keys::Tasks(p, kind)},
                               {"LINDEX", redis::keys::Tasks(p, kind), "-1"},
                               {"LLEN", redis::keys::Deadletter(p, kind)},
                               {"SMEMBERS", redis::keys::AgentWorkers(p, kind)}});
  if (!head.ok()) return head.status();
  const auto& h = *head;
  auto workers = Workers(client, p, h[5]);
  if (!workers.ok()) return workers.status();
  auto plugins = PluginCounts(client, p, kind);
  if (!plugins.ok()) return plugins.status();
  auto health = HealthLists(client, p, kind, now_s);
  if (!health.ok()) return health.status();
  return nlohmann::json{
      {"kind", KindName(kind)},
      {"leader", h[0].IsNil() ? nlohmann::json(nullptr) : nlohmann::json(h[0].str)},
      {"leader_expires_ms", h[0].IsNil() ? nlohmann::json(nullptr) : nlohmann::json(IntOf(h[1]))},
      {"queue", IntOf(h[2])},
      {"oldest_pending_age_s", OldestPendingAge(h[3], now_s)},
      {"dead_letters", IntOf(h[4])},
      {"workers", std::move(*workers)},
      {"plugins", std::move(*plugins)},
      {"health", std::move(*health)}};
}

std::string Text(const nlohmann::json& j) {
  if (j.is_null()) return "-";
  if (j.is_string()) return j.get<std::string>();
  return j.dump();
}

void PrintTables(const nlohmann::json& kinds, double now_s) {
  Table queues({"KIND", "LEADER", "LEADER_EXPIRES", "QUEUE", "OLDEST_PENDING", "DEAD_LETTERS", "WORKERS"});
  Table workers({"KIND", "WORKER", "STATE", "IN_FLIGHT", "RUNNING_TASK"});
  Table plugins({"KIND", "PLUGIN", "OK", "EMPTY", "ERROR", "TIMEOUT", "CRASHED"});
  for (const auto& k : kinds) {
    std::string kind = k["kind"];
    std::string expires =
        k["leader_expires_ms"].is_null() ? "-" : HumanAge(k["leader_expires_ms"].get<double>() / 1000);
    std::string oldest =
        k["oldest_pending_age_s"].is_null() ? "-" : HumanAge(k["oldest_pending_age_s"].get<double>());
    queues.Add({kind, k["leader"].is_null() ? "none" : Text(k["leader"]), expires, Text(k["queue"]), oldest,
                Text(k["dead_letters"]), std::to_string(k["workers"].size())});
    for (const auto& w : k["workers"]) {
      workers.Add({kind, Text(w["id"]), w["alive"] ? "alive" : "no heartbeat (the reaper recovers its tasks)",
                   Text(w["in_flight"]), Text(w["running_task"])});
    }
    for (const auto& pl : k["plugins"]) {
      const auto& s = pl["last_status"];
      auto n = [&s](const char* status) { return s.contains(status) ? Text(s[status]) : "0"; };
      plugins.Add({kind, Text(pl["plugin"]), n("ok"), n("empty"), n("error"), n("timeout"), n("crashed")});
    }
  }
  queues.Print();
  if (!workers.empty()) std::printf("\n");
  workers.Print(true);
  if (!plugins.empty()) std::printf("\n");
  plugins.Print(true);
  PrintHealthTables(kinds, now_s);
}

}  // namespace

void AddStatusOptions(core::ArgParser& p) {
  p.Add({"kind", "KIND", "only this kind (default: all)"});
}

int RunStatus(const core::ParsedArgs& args) {
  auto kinds = KindsOption(args);
  if (!kinds.ok()) return PrintError(kinds.status(), core::kExitUsage);
  auto opened = Session::Open(args);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  Session& s = std::get<Session>(opened);
  auto now = ServerTime(*s.client);
  if (!now.ok()) return PrintError(now.status(), core::kExitRuntime);
  nlohmann::json out = nlohmann::json::array();
  for (PluginKind kind : *kinds) {
    auto k = KindStatus(*s.client, s.site.redis.key_prefix, kind, *now);
    if (!k.ok()) return PrintError(k.status(), core::kExitRuntime);
    out.push_back(std::move(*k));
  }
  if (args.Has("json")) {
    PrintJson({{"kinds", out}});
  } else {
    PrintTables(out, *now);
  }
  return core::kExitOk;
}

}  // namespace panoptes::ctl
