// panoptes-ctl schedule [--kind K] and resources [--filter EXPR] (docs/architecture.md). Resources are JSON
// lines (the resource format of docs/plugin-api.md) with or without --json.

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "bin/ctl/commands.h"
#include "bin/ctl/output.h"
#include "bin/ctl/session.h"
#include "config/site_config.h"
#include "model/json.h"
#include "redis/client.h"
#include "resources/filter.h"
#include "resources/store.h"
#include "scheduler/redis_schedule_store.h"

namespace panoptes::ctl {
namespace {

Result<SiteConfig> LoadConfig(const core::ParsedArgs& args) {
  auto loaded = config::LoadSiteConfig(core::ResolveConfigPath(args));
  if (!loaded.ok()) return loaded.status();
  return std::move(loaded->config);
}

std::string IsoUtc(int64_t epoch_ms) {
  std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof(out), "%s.%03dZ", buf, static_cast<int>(epoch_ms % 1000));
  return out;
}

// The plugin name and resource id of an entry, read back from its task prefix.
std::pair<std::string, std::string> PluginAndResource(const std::string& task_prefix) {
  auto task = nlohmann::json::parse(
      task_prefix.empty() ? "" : task_prefix.substr(0, task_prefix.size() - 1) + "}", nullptr, false);
  if (task.is_discarded() || !task.is_object()) return {"?", "?"};
  std::string plugin = task.value("plugin", "?");
  std::string resource = "-";
  if (task.contains("resource") && task["resource"].is_object())
    resource = task["resource"].value("resource_id", "?");
  return {plugin, resource};
}

// The entries of `kind`, as JSON rows (field names in docs/operations.md).
Result<std::vector<nlohmann::json>> ScheduleRows(redis::Client& client, const SiteConfig& site,
                                                 PluginKind kind) {
  scheduler::RedisScheduleStore store(client, site.redis.key_prefix, kind);
  auto now = store.ServerTimeMs();
  if (!now.ok()) return now.status();
  auto entries = store.List();
  if (!entries.ok()) return entries.status();
  std::vector<nlohmann::json> rows;
  for (const scheduler::ListedEntry& e : *entries) {
    auto [plugin, resource] = PluginAndResource(e.task_prefix);
    rows.push_back({{"kind", KindName(kind)},
                    {"id", e.id},
                    {"plugin", plugin},
                    {"resource_id", resource == "-" ? nlohmann::json(nullptr) : nlohmann::json(resource)},
                    {"next_due", IsoUtc(e.next_due_ms)},
                    {"next_due_ms", e.next_due_ms},
                    {"due_in_s", (e.next_due_ms - *now) / 1000.0},
                    {"frequency_s", e.frequency_ms / 1000}});
  }
  return rows;
}

}  // namespace

void AddScheduleOptions(core::ArgParser& p) {
  p.Add({"kind", "KIND", "discovery, enrichment or polling (default: all three)"});
}

int RunSchedule(const core::ParsedArgs& args) {
  std::vector<PluginKind> kinds(kAllKinds.begin(), kAllKinds.end());
  if (auto k = args.Get("kind")) {
    auto kind = ParseKind(*k);
    if (!kind) {
      std::fprintf(stderr, "error: --kind %s: expected discovery, enrichment or polling\n", k->c_str());
      return core::kExitUsage;
    }
    kinds = {*kind};
  }
  auto site = LoadConfig(args);
  if (!site.ok()) {
    std::fprintf(stderr, "error: %s\n", site.status().message().c_str());
    return core::kExitUsage;
  }
  redis::Client client(site->redis, "ctl");
  Table table({"KIND", "NEXT_DUE", "DUE_IN", "EVERY", "PLUGIN", "RESOURCE", "ID"});
  for (PluginKind kind : kinds) {
    auto rows = ScheduleRows(client, *site, kind);
    if (!rows.ok()) return PrintError(rows.status(), core::kExitRuntime);
    for (const auto& r : *rows) {
      if (args.Has("json")) {
        PrintJson(r);
        continue;
      }
      char due_in[32];
      std::snprintf(due_in, sizeof due_in, "%+.1fs", r["due_in_s"].get<double>());
      table.Add({r["kind"], r["next_due"], due_in, std::to_string(r["frequency_s"].get<int64_t>()) + "s",
                 r["plugin"], r["resource_id"].is_null() ? "-" : r["resource_id"].get<std::string>(),
                 r["id"]});
    }
  }
  if (!args.Has("json")) table.Print();
  return core::kExitOk;
}

void AddResourcesOptions(core::ArgParser& p) {
  p.Add({"filter", "EXPR", "print only the resources matching this resource filter (docs/resource-filter.md)"});
}

int RunResources(const core::ParsedArgs& args) {
  std::optional<resources::Filter> filter;
  if (auto expr = args.Get("filter")) {
    auto parsed = resources::ParseFilter(*expr);
    if (!parsed.ok()) {
      std::fprintf(stderr, "error: --filter: %s\n", parsed.status().message().c_str());
      return core::kExitUsage;
    }
    filter = std::move(*parsed);
  }
  auto site = LoadConfig(args);
  if (!site.ok()) {
    std::fprintf(stderr, "error: %s\n", site.status().message().c_str());
    return core::kExitUsage;
  }
  redis::Client client(site->redis, "ctl");
  resources::ResourceStore store(client, site->redis.key_prefix);
  auto list = store.List();
  if (!list.ok()) {
    std::fprintf(stderr, "error: %s\n", list.status().message().c_str());
    return core::kExitRuntime;
  }
  std::sort(list->begin(), list->end(),
            [](const Resource& a, const Resource& b) { return a.Key() < b.Key(); });
  for (const Resource& r : *list) {
    if (!filter || filter->Matches(r)) std::printf("%s\n", model::SerializeResource(r).c_str());
  }
  return core::kExitOk;
}

}  // namespace panoptes::ctl
