// panoptes-ctl last-runs and enqueue (docs/architecture.md): what ran last, and pushing a task by hand (the
// agent's lock and frequency guards still apply).

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <variant>

#include "bin/ctl/commands.h"
#include "bin/ctl/output.h"
#include "bin/ctl/session.h"
#include "config/identity.h"
#include "config/plugin_file.h"
#include "config/site_config.h"
#include "core/text.h"
#include "model/identity.h"
#include "model/json.h"
#include "redis/client.h"
#include "redis/keys.h"
#include "resources/store.h"

namespace panoptes::ctl {
namespace {

std::string RandomHex(size_t n) {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(getpid()));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n, '0');
  for (char& c : out) c = kHex[gen() % 16];
  return out;
}

Result<PluginInfo> FindPlugin(const SiteConfig& site, PluginKind kind, const std::string& name) {
  config::ScanResult scan = config::ScanPlugins(site, kind);
  for (PluginInfo& info : scan.plugins) {
    if (info.name == name) return std::move(info);
  }
  return Status::NotFound("no loadable " + std::string(KindName(kind)) + " plugin named '" + name +
                          "' in the configured plugins_paths (see panoptes-ctl check)");
}

}  // namespace

void AddLastRunsOptions(core::ArgParser& p) {
  p.Add({"plugin", "NAME", "only the runs of this plugin (its Name)"});
}

namespace {

Result<std::vector<std::string>> ScanKeys(redis::Client& client, const std::string& match) {
  std::vector<std::string> keys;
  std::string cursor = "0";
  do {
    auto page = client.Command({"SCAN", cursor, "MATCH", match, "COUNT", "1000"});
    if (!page.ok()) return page.status();
    cursor = page->elements[0].str;
    for (const auto& k : page->elements[1].elements) keys.push_back(k.str);
  } while (cursor != "0");
  std::sort(keys.begin(), keys.end());
  return keys;
}

// One P:meta hash as JSON: kind and signature from its key, the times and duration as numbers.
nlohmann::json MetaRow(const std::string& prefix, const std::string& key,
                       const std::vector<redis::Reply>& f) {
  static const char* kNames[] = {
      "plugin",           "resource_id", "last_executed", "last_results",      "last_status",
      "last_duration_ms", "last_error",  "failures",      "quarantined_until", "last_ok"};
  // key = P:meta:<kind>:<normalized_name>:<signature>
  std::string rest = key.substr(prefix.size() + 6);
  size_t a = rest.find(':'), b = rest.rfind(':');
  nlohmann::json row = {{"kind", rest.substr(0, a)}, {"signature", rest.substr(b + 1)}};
  for (size_t i = 0; i < f.size(); ++i) {
    bool numeric = i == 2 || i == 3 || i == 5 || i == 8 || i == 9;
    if (i == 7) {
      row[kNames[i]] = f[i].IsNil() ? 0 : std::strtoll(f[i].str.c_str(), nullptr, 10);
    } else if (f[i].IsNil()) {
      row[kNames[i]] = nullptr;
    } else if (numeric) {
      char* end = nullptr;
      double v = std::strtod(f[i].str.c_str(), &end);
      row[kNames[i]] = end != f[i].str.c_str() ? nlohmann::json(v) : nlohmann::json(nullptr);
    } else {
      row[kNames[i]] = f[i].str;
    }
  }
  if (row["plugin"].is_null()) row["plugin"] = rest.substr(a + 1, b - a - 1);
  return row;
}

void PrintLastRunsTable(const std::vector<nlohmann::json>& rows, double now_s) {
  Table table({"KIND", "PLUGIN", "RESOURCE", "STATUS", "EXECUTED_AGO", "RESULTS_AGO", "DURATION_MS",
               "FAILURES", "QUARANTINED_FOR", "ERROR"});
  auto text = [](const nlohmann::json& j) { return j.is_null() ? std::string("-") : j.get<std::string>(); };
  auto ago = [now_s](const nlohmann::json& j) {
    return j.is_null() ? std::string("-") : HumanAge(now_s - j.get<double>());
  };
  for (const auto& r : rows) {
    std::string duration =
        r["last_duration_ms"].is_null() ? "-" : std::to_string(r["last_duration_ms"].get<int64_t>());
    std::string error = text(r["last_error"]);
    bool quarantined = r["quarantined"].get<bool>();
    table.Add({text(r["kind"]), text(r["plugin"]), text(r["resource_id"]), text(r["last_status"]),
               ago(r["last_executed"]), ago(r["last_results"]), duration,
               std::to_string(r["failures"].get<int64_t>()),
               quarantined ? HumanAge(r["quarantined_until"].get<double>() - now_s) : "-",
               error.substr(0, error.find('\n'))});
  }
  table.Print();
}

}  // namespace

int RunLastRuns(const core::ParsedArgs& args) {
  auto opened = Session::Open(args);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  Session& s = std::get<Session>(opened);
  const std::string& p = s.site.redis.key_prefix;
  std::string name = args.Get("plugin") ? config::NormalizedName(*args.Get("plugin")) : "*";
  auto keys = ScanKeys(*s.client, redis::keys::Join(p, {"meta", "*", name, "*"}));
  if (!keys.ok()) return PrintError(keys.status(), core::kExitRuntime);
  std::vector<redis::Args> gets;
  for (const std::string& k : *keys) {
    gets.push_back({"HMGET", k, "plugin", "resource_id", "last_executed", "last_results", "last_status",
                    "last_duration_ms", "last_error", "failures", "quarantined_until", "last_ok"});
  }
  auto replies = s.client->Pipeline(gets);
  auto now = ServerTime(*s.client);
  if (!replies.ok() || !now.ok())
    return PrintError(replies.ok() ? now.status() : replies.status(), core::kExitRuntime);
  std::vector<nlohmann::json> rows;
  for (size_t i = 0; i < keys->size(); ++i) {
    rows.push_back(MetaRow(p, (*keys)[i], (*replies)[i].elements));
    const auto& until = rows.back()["quarantined_until"];
    rows.back()["quarantined"] = until.is_number() && until.get<double>() > *now;
  }
  if (!args.Has("json")) {
    PrintLastRunsTable(rows, *now);
    return core::kExitOk;
  }
  for (const auto& r : rows) PrintJson(r);
  return core::kExitOk;
}

void AddEnqueueOptions(core::ArgParser& p) {
  p.Add({"kind", "KIND", "discovery, enrichment or polling (required)"});
  p.Add({"plugin", "NAME", "the plugin's Name (required)"});
  p.Add({"resource-id", "ID", "the resource (from the resource store); required unless discovery"});
}

int RunEnqueue(const core::ParsedArgs& args) {
  auto kind = ParseKind(args.Get("kind").value_or(""));
  auto name = args.Get("plugin");
  if (!kind || !name) {
    std::fprintf(stderr, "error: enqueue needs --kind discovery|enrichment|polling and --plugin NAME\n");
    return core::kExitUsage;
  }
  if (*kind != PluginKind::kDiscovery && !args.Has("resource-id")) {
    std::fprintf(stderr, "error: a %s task needs --resource-id\n", std::string(KindName(*kind)).c_str());
    return core::kExitUsage;
  }
  auto opened = Session::Open(args);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  Session& s = std::get<Session>(opened);
  auto info = FindPlugin(s.site, *kind, *name);
  if (!info.ok()) {
    std::fprintf(stderr, "error: %s\n", info.status().message().c_str());
    return core::kExitRuntime;
  }
  Task task;
  task.kind = *kind;
  task.plugin = info->name;
  if (*kind != PluginKind::kDiscovery) {
    resources::ResourceStore store(*s.client, s.site.redis.key_prefix);
    auto resource = store.Get(*args.Get("resource-id"));
    if (!resource.ok() || !resource->has_value()) {
      std::fprintf(stderr, "error: resource '%s': %s\n", args.Get("resource-id")->c_str(),
                   resource.ok() ? "not in the resource store" : resource.status().message().c_str());
      return core::kExitRuntime;
    }
    task.resource = **resource;
  }
  task.signature = model::Signature(info->normalized_name, task.resource ? &*task.resource : nullptr);
  double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  task.id = "ctl-" + RandomHex(16);
  task.scheduled_for = now;
  task.expires_at = now + info->expires;
  task.time_limit = info->time_limit;
  auto pushed = s.client->Command(
      {"LPUSH", redis::keys::Tasks(s.site.redis.key_prefix, *kind), model::SerializeTask(task)});
  if (!pushed.ok()) {
    std::fprintf(stderr, "error: %s\n", pushed.status().message().c_str());
    return core::kExitRuntime;
  }
  if (args.Has("json")) {
    PrintJson({{"kind", KindName(*kind)},
               {"id", task.id},
               {"plugin", task.plugin},
               {"signature", task.signature},
               {"resource_id", task.resource ? nlohmann::json(task.resource->id) : nlohmann::json(nullptr)}});
  } else {
    std::printf("enqueued %s task %s for plugin \"%s\" (signature %s)\n",
                std::string(KindName(*kind)).c_str(), task.id.c_str(),
                core::EscapeNonPrintable(task.plugin).c_str(), task.signature.c_str());
  }
  return core::kExitOk;
}

}  // namespace panoptes::ctl
