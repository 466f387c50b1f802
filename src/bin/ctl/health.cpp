// panoptes-ctl unquarantine, and the quarantine and freshness lists of panoptes-ctl status.

#include "bin/ctl/health.h"

#include <cstdio>
#include <variant>

#include "agent/redis_task_queue.h"
#include "bin/ctl/commands.h"
#include "bin/ctl/output.h"
#include "bin/ctl/session.h"
#include "config/identity.h"
#include "core/text.h"
#include "redis/keys.h"
#include "redis/number.h"

namespace panoptes::ctl {
namespace {

nlohmann::json Text(const redis::Reply& r) {
  return r.IsNil() ? nlohmann::json(nullptr) : nlohmann::json(r.str);
}

nlohmann::json Number(const redis::Reply& r) {
  if (r.IsNil()) return nullptr;
  char* end = nullptr;
  double v = std::strtod(r.str.c_str(), &end);
  return end != r.str.c_str() ? nlohmann::json(v) : nlohmann::json(nullptr);
}

int64_t Count(const redis::Reply& r) {
  return r.IsNil() ? 0 : std::strtoll(r.str.c_str(), nullptr, 10);
}

struct Member {
  std::string id;  // "<normalized_name>:<signature>" or, for a whole plugin, "<normalized_name>"
  double score = 0;
  bool whole_plugin() const { return id.find(':') == std::string::npos; }
  std::string name() const { return id.substr(0, id.find(':')); }
  std::string signature() const { return whole_plugin() ? "" : id.substr(id.find(':') + 1); }
};

std::vector<Member> Members(const redis::Reply& withscores) {
  std::vector<Member> out;
  const auto& el = withscores.elements;
  for (size_t i = 0; i + 1 < el.size(); i += 2)
    out.push_back({el[i].str, std::strtod(el[i + 1].str.c_str(), nullptr)});
  return out;
}

// Per member: its meta (or, for a whole plugin, its quarantine hash) and whether it is scheduled.
Result<std::vector<redis::Reply>> Details(redis::Client& client, const std::string& p, PluginKind kind,
                                          const std::vector<Member>& members) {
  std::vector<redis::Args> cmds;
  for (const Member& m : members) {
    if (m.whole_plugin()) {
      cmds.push_back({"HMGET", redis::keys::PluginQuarantine(p, kind, m.id), "plugin", "failures", "error"});
    } else {
      cmds.push_back({"HMGET", redis::keys::Meta(p, kind, m.name(), m.signature()), "plugin", "failures",
                      "last_error", "resource_id", "last_ok", "last_status"});
    }
    cmds.push_back({"ZSCORE", redis::keys::Schedule(p, kind), m.id});
  }
  if (cmds.empty()) return std::vector<redis::Reply>{};
  return client.Pipeline(cmds);
}

// The last non-empty line of an error: for a Python traceback, the exception and its message.
std::string LastLine(const std::string& error) {
  size_t end = error.find_last_not_of("\n");
  if (end == std::string::npos) return "";
  size_t start = error.rfind('\n', end);
  return error.substr(start == std::string::npos ? 0 : start + 1,
                      end + 1 - (start == std::string::npos ? 0 : start + 1));
}

}  // namespace

Result<nlohmann::json> HealthLists(redis::Client& client, const std::string& p, PluginKind kind,
                                   double now_s) {
  std::string limit = std::to_string(kHealthListed);
  auto sets = client.Pipeline({{"ZRANGEBYSCORE", redis::keys::Quarantine(p, kind), redis::FixedNumber(now_s),
                                "+inf", "WITHSCORES", "LIMIT", "0", limit},
                               {"ZRANGEBYSCORE", redis::keys::Freshness(p, kind), "-inf",
                                redis::FixedNumber(now_s), "WITHSCORES", "LIMIT", "0", limit},
                               {"EXISTS", redis::keys::Schedule(p, kind)}});
  if (!sets.ok()) return sets.status();
  bool known = (*sets)[2].integer == 1;
  nlohmann::json out = {{"quarantined", nlohmann::json::array()}, {"stale", nlohmann::json::array()}};
  out["truncated"] = static_cast<int>((*sets)[0].elements.size() / 2) >= kHealthListed ||
                     static_cast<int>((*sets)[1].elements.size() / 2) >= kHealthListed;
  for (int list = 0; list < 2; ++list) {
    std::vector<Member> members = Members((*sets)[list]);
    auto details = Details(client, p, kind, members);
    if (!details.ok()) return details.status();
    for (size_t i = 0; i < members.size(); ++i) {
      const Member& m = members[i];
      const auto& f = (*details)[2 * i].elements;
      if (!m.whole_plugin() && known && (*details)[2 * i + 1].IsNil()) continue;  // no longer scheduled
      nlohmann::json row = {
          {"plugin", f.empty() || f[0].IsNil() ? nlohmann::json(m.name()) : Text(f[0])},
          {"normalized_name", m.name()},
          {"signature", m.whole_plugin() ? nlohmann::json(nullptr) : nlohmann::json(m.signature())},
          {"whole_plugin", m.whole_plugin()},
          {"failures", f.size() > 1 ? Count(f[1]) : 0},
          {"last_error", f.size() > 2 ? Text(f[2]) : nullptr},
          {"resource_id", f.size() > 3 ? Text(f[3]) : nullptr},
          {"last_ok", f.size() > 4 ? Number(f[4]) : nullptr},
          {"last_status", f.size() > 5 ? Text(f[5]) : nullptr}};
      if (list == 0) {
        row["until"] = m.score;
        out["quarantined"].push_back(std::move(row));
      } else {
        row["stale_since"] = m.score;
        out["stale"].push_back(std::move(row));
      }
    }
  }
  return out;
}

void PrintHealthTables(const nlohmann::json& kinds, double now_s) {
  Table quarantined({"KIND", "QUARANTINED", "RESOURCE", "FAILURES", "FOR", "LAST_ERROR"});
  Table stale({"KIND", "STALE", "RESOURCE", "NO_OK_RESULT_FOR", "LAST_STATUS"});
  auto text = [](const nlohmann::json& j) { return j.is_string() ? j.get<std::string>() : std::string("-"); };
  for (const auto& k : kinds) {
    std::string kind = k["kind"];
    for (const auto& q : k["health"]["quarantined"]) {
      std::string error = text(q["last_error"]);
      quarantined.Add({kind, text(q["plugin"]), q["whole_plugin"] ? "(whole plugin)" : text(q["resource_id"]),
                       std::to_string(q["failures"].get<int64_t>()),
                       HumanAge(q["until"].get<double>() - now_s),
                       core::EscapeNonPrintable(LastLine(error))});
    }
    for (const auto& s : k["health"]["stale"]) {
      double since = s["last_ok"].is_number() ? s["last_ok"].get<double>() : s["stale_since"].get<double>();
      stale.Add({kind, text(s["plugin"]), text(s["resource_id"]),
                 s["last_ok"].is_number() ? HumanAge(now_s - since) : "never ok", text(s["last_status"])});
    }
  }
  if (!quarantined.empty()) std::printf("\n");
  quarantined.Print(true);
  if (!stale.empty()) std::printf("\n");
  stale.Print(true);
}

void AddUnquarantineOptions(core::ArgParser& p) {
  p.Add({"kind", "KIND", "only this kind (default: all)"});
}

int RunUnquarantine(const core::ParsedArgs& args) {
  if (args.positional.empty() || args.positional.size() > 2) {
    std::fprintf(stderr, "error: unquarantine needs PLUGIN (its Name) and optionally RESOURCE_ID\n");
    return core::kExitUsage;
  }
  auto kinds = KindsOption(args);
  if (!kinds.ok()) return PrintError(kinds.status(), core::kExitUsage);
  auto opened = Session::Open(args);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  Session& s = std::get<Session>(opened);
  const std::string& plugin = args.positional[0];
  std::string resource_id = args.positional.size() > 1 ? args.positional[1] : "";
  int lifted = 0;
  for (PluginKind kind : *kinds) {
    agent::RedisTaskQueue queue(*s.client, s.site.redis.key_prefix, kind);
    auto n = queue.Unquarantine(config::NormalizedName(plugin), resource_id);
    if (!n.ok()) return PrintError(n.status(), core::kExitRuntime);
    lifted += *n;
  }
  if (args.Has("json")) {
    PrintJson({{"plugin", plugin},
               {"resource_id", resource_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(resource_id)},
               {"lifted", lifted}});
  } else if (lifted == 0) {
    std::printf(
        "nothing of plugin \"%s\"%s was quarantined\n", core::EscapeNonPrintable(plugin).c_str(),
        resource_id.empty() ? "" : (" for resource " + core::EscapeNonPrintable(resource_id)).c_str());
  } else {
    std::printf(
        "ended %d quarantine(s) of plugin \"%s\"%s\n", lifted, core::EscapeNonPrintable(plugin).c_str(),
        resource_id.empty() ? "" : (" for resource " + core::EscapeNonPrintable(resource_id)).c_str());
  }
  return core::kExitOk;
}

}  // namespace panoptes::ctl
