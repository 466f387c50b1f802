// panoptes-ctl schedule [--kind K] and resources [--filter EXPR] (SPEC §1).

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "bin/ctl/commands.h"
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

int PrintSchedule(redis::Client& client, const SiteConfig& site, PluginKind kind) {
  scheduler::RedisScheduleStore store(client, site.redis.key_prefix, kind);
  auto now = store.ServerTimeMs();
  auto entries = store.List();
  if (!now.ok() || !entries.ok()) {
    std::fprintf(stderr, "error: %s\n", (now.ok() ? entries.status() : now.status()).message().c_str());
    return core::kExitRuntime;
  }
  for (const scheduler::ListedEntry& e : *entries) {
    auto [plugin, resource] = PluginAndResource(e.task_prefix);
    std::printf("%s %s in %+.1fs every %llds plugin=\"%s\" resource=%s id=%s\n",
                std::string(KindName(kind)).c_str(), IsoUtc(e.next_due_ms).c_str(),
                (e.next_due_ms - *now) / 1000.0, static_cast<long long>(e.frequency_ms / 1000),
                plugin.c_str(), resource.c_str(), e.id.c_str());
  }
  return core::kExitOk;
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
  for (PluginKind kind : kinds) {
    if (int code = PrintSchedule(client, *site, kind); code != core::kExitOk) return code;
  }
  return core::kExitOk;
}

void AddResourcesOptions(core::ArgParser& p) {
  p.Add({"filter", "EXPR", "print only the resources matching this resource filter (SPEC §4)"});
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
  std::sort(list->begin(), list->end(), [](const Resource& a, const Resource& b) { return a.Key() < b.Key(); });
  for (const Resource& r : *list) {
    if (!filter || filter->Matches(r)) std::printf("%s\n", model::SerializeResource(r).c_str());
  }
  return core::kExitOk;
}

}  // namespace panoptes::ctl
