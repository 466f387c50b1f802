// panoptes-ctl check and run (docs/architecture.md): validate plugins, or run one plugin once, in-process, with
// in-memory kv/secrets (no Redis).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <vector>

#include "bin/ctl/commands.h"
#include "bin/ctl/output.h"
#include "bin/ctl/run_inputs.h"
#include "config/plugin_file.h"
#include "config/site_config.h"
#include "config/values.h"
#include "core/logging.h"
#include "core/text.h"
#include "model/identity.h"
#include "model/json.h"
#include "plugin/memory_services.h"
#include "plugin/registry.h"
#include "python/host.h"
#include "scheduler/plugin_verdict.h"
#include "scheduler/validator.h"

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

// The scheduler's code validator (a helper process importing plugin code in children with the
// scheduler's time limit): this binary in its hidden helper mode (ctl_main.cpp).
Result<std::unique_ptr<scheduler::CodeValidator>> StartValidator(const SiteConfig& site) {
  scheduler::ValidatorOptions options;
  options.hook_args = site.python.path;
  options.timeout = std::chrono::seconds(site.scheduler.import_timeout_s);
  return scheduler::CodeValidator::Start(std::move(options));
}

bool IsUnder(const std::string& file, const std::string& root) {
  return file == root || (file.size() > root.size() && file.compare(0, root.size(), root) == 0 &&
                          (root.back() == '/' || file[root.size()] == '/'));
}

struct CheckLine {
  bool ok = false;
  PluginKind kind = PluginKind::kPolling;
  std::string name;  // ok: the plugin's Name
  std::string normalized_name;
  std::string file;    // absolute plugin file (or the path that failed)
  std::string module;  // ok: the module's absolute path
  std::string reason;  // !ok: the scheduler's reason
};

nlohmann::json CheckLineJson(const CheckLine& line) {
  auto or_null = [](const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); };
  return {{"status", line.ok ? "ok" : "error"}, {"kind", KindName(line.kind)},
          {"name", or_null(line.name)},         {"file", line.file},
          {"module", or_null(line.module)},     {"reason", or_null(line.reason)}};
}

// The scheduler's verdict (scheduler::JudgePlugins) on the plugin files in `paths` that
// `reported` selects; only their code is imported.
std::vector<CheckLine> Judge(const SiteConfig& site, PluginKind kind, const std::vector<std::string>& paths,
                             const std::function<bool(const std::string&)>& reported,
                             scheduler::CodeValidator& validator) {
  auto check_code = [&](const std::vector<PluginInfo>& plugins) {
    std::vector<PluginInfo> mine;
    for (const PluginInfo& p : plugins) {
      if (reported(p.file)) mine.push_back(p);
    }
    std::vector<Status> mine_code = validator.Validate(mine);
    std::vector<Status> out(plugins.size());
    for (size_t i = 0, k = 0; i < plugins.size(); ++i) {
      if (reported(plugins[i].file)) out[i] = mine_code[k++];
    }
    return out;
  };
  scheduler::PluginVerdict verdict =
      scheduler::JudgePlugins(paths, kind, site.main.plugins_extension, check_code, config::ChecksOf(site));
  std::vector<CheckLine> lines;
  for (const auto& p : verdict.accepted) {
    if (!reported(p.info.file)) continue;
    for (const auto& w : p.info.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    lines.push_back({true, kind, p.info.name, p.info.normalized_name, p.info.file, p.info.module_path, ""});
  }
  for (const auto& [file, reason] : verdict.rejected) {
    if (reported(file)) lines.push_back({false, kind, "", "", file, "", reason});
  }
  return lines;
}

// Files under a configured directory get exactly the scheduler's verdict on that directory set.
// Files elsewhere (about to be dropped in) are judged on their own, and their Name must not be
// taken in the configured directories: whichever of two files comes later in path order is
// rejected by the scheduler.
std::vector<CheckLine> CheckKind(const SiteConfig& site, PluginKind kind,
                                 const std::vector<std::string>& roots, scheduler::CodeValidator& validator) {
  std::vector<std::string> configured;
  for (const auto& dir : site.Kind(kind).plugins_paths) configured.push_back(config::AbsoluteNormal(dir));
  auto under_any = [](const std::vector<std::string>& dirs, const std::string& file) {
    return std::any_of(dirs.begin(), dirs.end(), [&file](const std::string& d) { return IsUnder(file, d); });
  };
  std::vector<std::string> inside, outside;
  for (const auto& r : roots) (under_any(configured, r) ? inside : outside).push_back(r);
  std::vector<CheckLine> lines;
  if (!inside.empty()) {
    lines = Judge(
        site, kind, configured, [&](const std::string& f) { return under_any(inside, f); }, validator);
  }
  if (outside.empty()) return lines;
  std::map<std::string, std::string> taken;  // normalized name -> file
  for (const PluginInfo& p :
       config::ScanPaths(configured, kind, site.main.plugins_extension, config::ChecksOf(site)).plugins)
    taken.emplace(p.normalized_name, p.file);
  for (CheckLine& line : Judge(
           site, kind, outside, [](const std::string&) { return true; }, validator)) {
    if (auto it = taken.find(line.normalized_name); line.ok && it != taken.end()) {
      line.ok = false;
      line.reason = "duplicate Name '" + line.name + "': already defined by " + it->second +
                    " in the configured plugins_paths; the scheduler rejects whichever file comes later in "
                    "path order";
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

// One line per plugin file under the targets, sorted by kind then file.
std::vector<CheckLine> CheckTargets(const SiteConfig& site,
                                    const std::vector<std::pair<PluginKind, std::string>>& targets,
                                    scheduler::CodeValidator& validator) {
  std::vector<CheckLine> lines;
  for (PluginKind kind : kAllKinds) {
    std::vector<std::string> roots;
    for (const auto& [k, path] : targets) {
      if (k == kind) roots.push_back(config::AbsoluteNormal(path));
    }
    if (roots.empty()) continue;
    auto kind_lines = CheckKind(site, kind, roots, validator);
    std::sort(kind_lines.begin(), kind_lines.end(),
              [](const CheckLine& a, const CheckLine& b) { return a.file < b.file; });
    lines.insert(lines.end(), kind_lines.begin(), kind_lines.end());
  }
  return lines;
}

}  // namespace

void AddCheckOptions(core::ArgParser& p) {
  p.Add({"kind", "KIND", "kind of the plugins under PATH when it cannot be told from the path"});
  p.Add({"verbose", "", "(or -v) then list each imported yahoo_panoptes module and the file it came from"});
}

// --verbose: "module <name> <file>" for each yahoo_panoptes module the accepted plugins import. The
// verdict's imports ran in the validator's children; here they are imported again, in this process.
void PrintModuleOrigins(const SiteConfig& site, const std::vector<CheckLine>& lines) {
  auto interpreter = StartPython(site);
  if (!interpreter.ok()) {
    std::fprintf(stderr, "error: %s\n", interpreter.status().message().c_str());
    return;
  }
  python::PluginHost host(**interpreter);
  for (const CheckLine& line : lines) {
    if (!line.ok) continue;
    auto info = config::LoadPluginFile(line.file, line.kind, config::ChecksOf(site));
    if (info.ok()) (void)host.Load(*info);
  }
  auto modules = (*interpreter)->ImportedModules({"yahoo_panoptes", "yahoo_panoptes_snmp"});
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
    std::fprintf(stderr, "error: %s\n", core::EscapeNonPrintable(site.status().message()).c_str());
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
      std::fprintf(stderr, "error: %s\n", core::EscapeNonPrintable(kind.status().message()).c_str());
      return core::kExitUsage;
    }
    targets.emplace_back(*kind, path);
  }
  auto validator = StartValidator(*site);
  if (!validator.ok()) {
    std::fprintf(stderr, "error: %s\n", validator.status().message().c_str());
    return core::kExitRuntime;
  }
  bool failed = false;
  std::vector<CheckLine> lines = CheckTargets(*site, targets, **validator);
  for (const CheckLine& line : lines) {
    failed = failed || !line.ok;
    if (args.Has("json")) {
      PrintJson(CheckLineJson(line));
    } else if (line.ok) {
      std::printf("OK %s %s %s\n", std::string(KindName(line.kind)).c_str(),
                  core::EscapeNonPrintable(line.name).c_str(), core::EscapeNonPrintable(line.file).c_str());
    } else {
      std::string reason = line.reason.substr(0, line.reason.find('\n'));
      std::printf("ERROR %s: %s\n", core::EscapeNonPrintable(line.file).c_str(),
                  core::EscapeNonPrintable(reason).c_str());
    }
  }
  if (verbose) PrintModuleOrigins(*site, lines);
  std::fflush(stdout);
  return failed ? core::kExitRuntime : core::kExitOk;
}

void AddRunOptions(core::ArgParser& p) {
  p.Add({"resource-json", "JSON", "the resource (docs/plugin-api.md JSON) to run a polling/enrichment plugin on"});
  p.Add({"resource-file", "FILE", "a file holding the resource JSON"});
  p.Add({"kind", "KIND", "the plugin kind when it cannot be told from the path"});
  AddRunInputOptions(p);
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
  if (const auto* d = std::get_if<DiscoveryResult>(&outcome.result)) return model::SerializeResourceSet(*d);
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
  if (kind != PluginKind::kDiscovery) return "[]";
  DiscoveryResult none;
  none.creation_timestamp = static_cast<double>(std::time(nullptr));
  return model::SerializeResourceSet(none);
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
  auto info = kind.ok() ? config::LoadPluginFile(file, *kind, config::ChecksOf(*site))
                        : Result<PluginInfo>(kind.status());
  auto resource = ResourceArg(args);
  if (!info.ok() || !resource.ok()) {
    std::fprintf(stderr, "error: %s\n", (!info.ok() ? info.status() : resource.status()).message().c_str());
    return core::kExitUsage;
  }
  for (const auto& w : info->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
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
  Status inputs = ApplySnmpFlags(args, *site, *info);
  if (inputs.ok()) inputs = LoadRunServices(args, kv, secrets, enrichment);
  if (!inputs.ok()) {
    std::fprintf(stderr, "error: %s\n", inputs.message().c_str());
    return core::kExitUsage;
  }
  input.sites = site->main.sites;
  input.services = {&kv, &secrets, &enrichment};
  input.signature = model::Signature(info->normalized_name, input.resource ? &*input.resource : nullptr);
  input.task_id = "panoptes-ctl-run";
  auto interpreter = StartPython(*site);
  if (!interpreter.ok()) {
    std::fprintf(stderr, "error: %s\n", interpreter.status().message().c_str());
    return core::kExitRuntime;
  }
  python::PluginHost host(**interpreter, python::PluginDefaults{site->snmp, site->x509});
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
