// panoptes-ctl check and run (SPEC §1): validate plugins, or run one plugin once, in-process, with
// in-memory kv/secrets (no Redis).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "bin/ctl/commands.h"
#include "config/plugin_file.h"
#include "config/site_config.h"
#include "core/logging.h"
#include "model/identity.h"
#include "model/json.h"
#include "plugin/memory_services.h"
#include "plugin/registry.h"
#include "python/host.h"

namespace panoptes::ctl {
namespace {

// The site config; when `optional` and no config was named (--config, $PANOPTES_CONFIG) and the
// default file does not exist, the defaults.
Result<SiteConfig> LoadSite(const core::ParsedArgs& args, bool optional) {
  std::string path = core::ResolveConfigPath(args);
  auto loaded = config::LoadSiteConfig(path);
  if (!loaded.ok()) {
    bool named = args.Has("config") || std::getenv("PANOPTES_CONFIG") != nullptr;
    if (optional && !named && loaded.status().code() == StatusCode::kNotFound) return SiteConfig{};
    return loaded.status();
  }
  for (const auto& w : loaded->warnings) core::Logger("config")->warn("{}", w);
  return loaded->config;
}

Result<std::unique_ptr<python::Interpreter>> StartPython(const SiteConfig& site) {
  python::InterpreterOptions options;
  options.path = site.python.path;
  return python::Interpreter::Start(options);
}

Result<PluginKind> KindFor(const SiteConfig& site, const std::string& path, const core::ParsedArgs& args) {
  if (auto k = args.Get("kind")) {
    if (auto kind = ParseKind(*k)) return *kind;
    return Status::InvalidArgument("--kind " + *k + ": expected discovery, enrichment or polling");
  }
  if (auto kind = plugin::KindOfPath(site, path)) return *kind;
  return Status::InvalidArgument(path +
                                 ": cannot tell the plugin kind (not under a configured plugins_paths, no "
                                 "discovery/enrichment/polling path component); pass --kind");
}

// A directory laid out as <path>/{discovery,enrichment,polling}/ (like examples/plugins): adds
// each existing kind directory. False when there is none.
bool AddKindSubdirectories(const std::string& path,
                           std::vector<std::pair<PluginKind, std::string>>& targets) {
  bool added = false;
  for (PluginKind kind : kAllKinds) {
    std::string dir = path + "/" + std::string(KindName(kind));
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec)) {
      targets.emplace_back(kind, dir);
      added = true;
    }
  }
  return added;
}

}  // namespace

void AddCheckOptions(core::ArgParser& p) {
  p.Add({"kind", "KIND", "kind of the plugins under PATH when it cannot be told from the path"});
  p.Add({"verbose", "", "(or -v) then list each imported yahoo_panoptes module and the file it came from"});
}

// --verbose: "module <name> <file>" for each yahoo_panoptes module the checked plugins imported.
void PrintModuleOrigins(python::Interpreter& interpreter) {
  auto modules = interpreter.ImportedModules({"yahoo_panoptes", "yahoo_panoptes_snmp"});
  if (!modules.ok()) {
    std::fprintf(stderr, "error: listing the imported modules: %s\n", modules.status().message().c_str());
    return;
  }
  for (const auto& m : *modules) std::printf("module %s %s\n", m.name.c_str(), m.origin.c_str());
}

int RunCheck(const core::ParsedArgs& parsed) {
  core::ParsedArgs args = parsed;
  std::erase(args.positional, "-v");  // the short form of --verbose
  bool verbose = args.Has("verbose") || args.positional.size() != parsed.positional.size();
  auto site = LoadSite(args, !args.positional.empty());
  if (!site.ok()) {
    std::fprintf(stderr, "error: %s\n", site.status().message().c_str());
    return core::kExitUsage;
  }
  std::vector<std::pair<PluginKind, std::string>> targets;
  if (args.positional.empty()) {
    for (PluginKind kind : kAllKinds) {
      for (const auto& dir : site->Kind(kind).plugins_paths) targets.emplace_back(kind, dir);
    }
  }
  for (const auto& path : args.positional) {
    auto kind = KindFor(*site, path, args);
    if (!kind.ok() && AddKindSubdirectories(path, targets)) continue;
    if (!kind.ok()) {
      std::fprintf(stderr, "error: %s\n", kind.status().message().c_str());
      return core::kExitUsage;
    }
    targets.emplace_back(*kind, path);
  }
  auto interpreter = StartPython(*site);
  if (!interpreter.ok()) {
    std::fprintf(stderr, "error: %s\n", interpreter.status().message().c_str());
    return core::kExitRuntime;
  }
  python::PluginHost host(**interpreter);
  bool failed = false;
  for (const auto& [kind, path] : targets) {
    for (const auto& line : plugin::CheckPath(path, kind, site->main.plugins_extension, host)) {
      failed = failed || !line.ok;
      std::printf("%s\n", plugin::FormatCheckLine(line).c_str());
    }
  }
  if (verbose) PrintModuleOrigins(**interpreter);
  std::fflush(stdout);
  return failed ? core::kExitRuntime : core::kExitOk;
}

void AddRunOptions(core::ArgParser& p) {
  p.Add({"resource-json", "JSON", "the resource (SPEC §7 JSON) to run a polling/enrichment plugin on"});
  p.Add({"resource-file", "FILE", "a file holding the resource JSON"});
  p.Add({"kind", "KIND", "the plugin kind when it cannot be told from the path"});
}

namespace {

// This host as a resource, for polling/enrichment runs given no resource.
Resource LocalResource(const SiteConfig& site) {
  char name[256] = {0};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0')
    std::snprintf(name, sizeof name, "localhost");
  Resource r;
  r.site = site.main.sites.empty() ? "local" : site.main.sites.front();
  r.class_ = "system";
  r.subclass = "host";
  r.type = "linux";
  r.id = name;
  r.endpoint = name;
  r.plugin = "panoptes-ctl";
  r.creation_timestamp = static_cast<double>(std::time(nullptr));
  return r;
}

Result<std::optional<Resource>> ResourceArg(const core::ParsedArgs& args) {
  std::string text;
  if (auto j = args.Get("resource-json")) {
    text = *j;
  } else if (auto f = args.Get("resource-file")) {
    std::ifstream in(*f);
    if (!in) return Status::NotFound("--resource-file " + *f + ": cannot be read");
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  } else {
    return std::optional<Resource>();
  }
  auto r = model::ParseResource(text);
  if (!r.ok()) return r.status().WithContext("--resource-json/--resource-file");
  return std::optional<Resource>(std::move(r).value());
}

std::string ResultJson(const python::RunOutcome& outcome, PluginKind kind) {
  if (const auto* p = std::get_if<PollingResult>(&outcome.result))
    return model::SerializeMetricsGroups(p->groups);
  if (const auto* d = std::get_if<DiscoveryResult>(&outcome.result))
    return model::SerializeResources(d->resources);
  if (const auto* e = std::get_if<EnrichmentResult>(&outcome.result)) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& g : e->groups) {
      nlohmann::json j = model::EnrichmentGroupToJson(g);
      j["resource_id"] = g.resource.id;
      j["namespace"] = g.namespace_;
      out.push_back(std::move(j));
    }
    return out.dump();
  }
  return kind == PluginKind::kDiscovery ? model::SerializeResources({}) : "[]";
}

}  // namespace

int RunRun(const core::ParsedArgs& args) {
  if (args.positional.size() != 1) {
    std::fprintf(stderr, "error: run takes exactly one PLUGIN_FILE\n");
    return core::kExitUsage;
  }
  if (args.Has("resource-json") && args.Has("resource-file")) {
    std::fprintf(stderr, "error: give --resource-json or --resource-file, not both\n");
    return core::kExitUsage;
  }
  const std::string& file = args.positional[0];
  auto site = LoadSite(args, true);
  if (!site.ok()) {
    std::fprintf(stderr, "error: %s\n", site.status().message().c_str());
    return core::kExitUsage;
  }
  auto kind = KindFor(*site, file, args);
  auto info = kind.ok() ? config::LoadPluginFile(file, *kind) : Result<PluginInfo>(kind.status());
  auto resource = ResourceArg(args);
  if (!info.ok() || !resource.ok()) {
    std::fprintf(stderr, "error: %s\n", (!info.ok() ? info.status() : resource.status()).message().c_str());
    return core::kExitUsage;
  }
  python::RunInput input;
  input.resource = std::move(resource).value();
  if (info->kind == PluginKind::kDiscovery) {
    input.resource.reset();
  } else if (!input.resource) {
    input.resource = LocalResource(*site);
    std::fprintf(stderr, "note: no --resource-json/--resource-file: running on this host as resource %s\n",
                 input.resource->id.c_str());
  }
  plugin::MemoryKvStore kv;
  plugin::MemorySecretStore secrets;
  plugin::MemoryEnrichmentSource enrichment;
  input.sites = site->main.sites;
  input.services = {&kv, &secrets, &enrichment};
  input.signature = model::Signature(info->normalized_name, input.resource ? &*input.resource : nullptr);
  input.task_id = "panoptes-ctl-run";
  auto interpreter = StartPython(*site);
  if (!interpreter.ok()) {
    std::fprintf(stderr, "error: %s\n", interpreter.status().message().c_str());
    return core::kExitRuntime;
  }
  python::PluginHost host(**interpreter);
  python::RunOutcome outcome = host.Run(*info, input);
  if (outcome.status == python::RunStatus::kError) {
    std::fprintf(stderr, "error: %s: %s\n", info->file.c_str(), outcome.error.c_str());
    return core::kExitRuntime;
  }
  if (outcome.status == python::RunStatus::kEmpty)
    std::fprintf(stderr, "note: the plugin returned no results\n");
  std::printf("%s\n", ResultJson(outcome, info->kind).c_str());
  std::fflush(stdout);
  return core::kExitOk;
}

}  // namespace panoptes::ctl
