// panoptes-ctl status, last-runs and enqueue (SPEC §1): what the agents are doing, what ran last,
// and pushing a task by hand (the agent's lock and frequency guards still apply).

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <variant>

#include "bin/ctl/commands.h"
#include "config/identity.h"
#include "config/plugin_file.h"
#include "config/site_config.h"
#include "model/identity.h"
#include "model/json.h"
#include "redis/client.h"
#include "redis/keys.h"
#include "resources/store.h"

namespace panoptes::ctl {
namespace {

struct Session {
  SiteConfig site;
  std::unique_ptr<redis::Client> client;
};

// Loads the config and connects; prints the error and returns the exit code on failure.
std::variant<Session, int> Open(const core::ParsedArgs& args) {
  auto loaded = config::LoadSiteConfig(core::ResolveConfigPath(args));
  if (!loaded.ok()) {
    std::fprintf(stderr, "error: %s\n", loaded.status().message().c_str());
    return core::kExitUsage;
  }
  Session s{std::move(loaded->config), nullptr};
  s.client = std::make_unique<redis::Client>(s.site.redis, "panoptes-ctl");
  if (Status st = s.client->Connect(); !st.ok()) {
    std::fprintf(stderr, "error: %s\n", st.message().c_str());
    return core::kExitRuntime;
  }
  return s;
}

std::optional<std::vector<PluginKind>> KindsOption(const core::ParsedArgs& args) {
  if (auto k = args.Get("kind")) {
    auto kind = ParseKind(*k);
    if (!kind) return std::nullopt;
    return std::vector<PluginKind>{*kind};
  }
  return std::vector<PluginKind>(kAllKinds.begin(), kAllKinds.end());
}

int64_t IntOf(const redis::Reply& r) {
  return r.type == redis::Reply::Type::kInteger ? r.integer : 0;
}

// Leader, queue depth and dead letters of one kind, then one line per registered worker.
Status PrintKindStatus(redis::Client& client, const std::string& p, PluginKind kind) {
  auto head = client.Pipeline({{"GET", redis::keys::Leader(p, kind)},
                               {"PTTL", redis::keys::Leader(p, kind)},
                               {"LLEN", redis::keys::Tasks(p, kind)},
                               {"LLEN", redis::keys::Deadletter(p, kind)},
                               {"SMEMBERS", redis::keys::AgentWorkers(p, kind)}});
  if (!head.ok()) return head.status();
  const auto& h = *head;
  std::string leader =
      h[0].IsNil() ? "none" : h[0].str + " (expires in " + std::to_string(IntOf(h[1])) + " ms)";
  std::printf("%s: leader %s; queue %lld; dead letters %lld; workers registered %zu\n",
              std::string(KindName(kind)).c_str(), leader.c_str(), static_cast<long long>(IntOf(h[2])),
              static_cast<long long>(IntOf(h[3])), h[4].elements.size());
  std::vector<redis::Args> probes;
  for (const redis::Reply& w : h[4].elements) {
    probes.push_back({"PTTL", redis::keys::AgentHeartbeat(p, w.str)});
    probes.push_back({"LLEN", redis::keys::AgentInflight(p, w.str)});
    probes.push_back({"HGET", redis::keys::AgentRunning(p, w.str), "task"});
  }
  auto replies = client.Pipeline(probes);
  if (!replies.ok()) return replies.status();
  for (size_t i = 0; i < h[4].elements.size(); ++i) {
    const redis::Reply* r = &(*replies)[3 * i];
    bool alive = IntOf(r[0]) > 0;
    std::printf("  worker %s: %s, in flight %lld%s\n", h[4].elements[i].str.c_str(),
                alive ? "alive" : "no heartbeat (the reaper will recover its tasks)",
                static_cast<long long>(IntOf(r[1])),
                r[2].IsNil() ? "" : (", running task " + r[2].str).c_str());
  }
  return Status::Ok();
}

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

void AddStatusOptions(core::ArgParser& p) {
  p.Add({"kind", "KIND", "only this kind (default: all)"});
}

int RunStatus(const core::ParsedArgs& args) {
  auto kinds = KindsOption(args);
  if (!kinds) {
    std::fprintf(stderr, "error: --kind must be discovery, enrichment or polling\n");
    return core::kExitUsage;
  }
  auto opened = Open(args);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  Session& s = std::get<Session>(opened);
  for (PluginKind kind : *kinds) {
    if (Status st = PrintKindStatus(*s.client, s.site.redis.key_prefix, kind); !st.ok()) {
      std::fprintf(stderr, "error: %s\n", st.message().c_str());
      return core::kExitRuntime;
    }
  }
  return core::kExitOk;
}

void AddLastRunsOptions(core::ArgParser& p) {
  p.Add({"plugin", "NAME", "only the runs of this plugin (its Name)"});
}

int RunLastRuns(const core::ParsedArgs& args) {
  auto opened = Open(args);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  Session& s = std::get<Session>(opened);
  const std::string& p = s.site.redis.key_prefix;
  std::string name = args.Get("plugin") ? config::NormalizedName(*args.Get("plugin")) : "*";
  std::string match = redis::keys::Join(p, {"meta", "*", name, "*"});
  std::vector<std::string> keys;
  std::string cursor = "0";
  do {
    auto page = s.client->Command({"SCAN", cursor, "MATCH", match, "COUNT", "1000"});
    if (!page.ok()) {
      std::fprintf(stderr, "error: %s\n", page.status().message().c_str());
      return core::kExitRuntime;
    }
    cursor = page->elements[0].str;
    for (const auto& k : page->elements[1].elements) keys.push_back(k.str);
  } while (cursor != "0");
  std::sort(keys.begin(), keys.end());
  static const redis::Args kFields = {"plugin",      "resource_id",      "last_executed", "last_results",
                                      "last_status", "last_duration_ms", "last_error"};
  std::vector<redis::Args> gets;
  for (const std::string& k : keys) {
    redis::Args cmd = {"HMGET", k};
    cmd.insert(cmd.end(), kFields.begin(), kFields.end());
    gets.push_back(std::move(cmd));
  }
  auto rows = s.client->Pipeline(gets);
  if (!rows.ok()) {
    std::fprintf(stderr, "error: %s\n", rows.status().message().c_str());
    return core::kExitRuntime;
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    nlohmann::json row = {{"key", keys[i]}};
    for (size_t f = 0; f < kFields.size(); ++f) {
      const redis::Reply& v = (*rows)[i].elements[f];
      row[kFields[f]] = v.IsNil() ? nlohmann::json(nullptr) : nlohmann::json(v.str);
    }
    std::printf("%s\n", row.dump().c_str());
  }
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
  auto opened = Open(args);
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
  std::printf("enqueued %s task %s for plugin \"%s\" (signature %s)\n", std::string(KindName(*kind)).c_str(),
              task.id.c_str(), task.plugin.c_str(), task.signature.c_str());
  return core::kExitOk;
}

}  // namespace panoptes::ctl
