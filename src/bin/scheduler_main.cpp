// panoptes-scheduler (docs/architecture.md): parse the command line, load the site config, run the daemon.

#include <cstdio>

#include "config/site_config.h"
#include "core/cli.h"
#include "core/logging.h"
#include "scheduler/daemon.h"

namespace {

// --kind discovery|enrichment|polling|all (default all).
std::optional<std::vector<panoptes::PluginKind>> ParseKinds(const std::string& value) {
  if (value == "all")
    return std::vector<panoptes::PluginKind>(panoptes::kAllKinds.begin(), panoptes::kAllKinds.end());
  auto kind = panoptes::ParseKind(value);
  if (!kind) return std::nullopt;
  return std::vector<panoptes::PluginKind>{*kind};
}

}  // namespace

int main(int argc, char** argv) {
  // Hidden mode: this binary exec'd by the scheduler as its code validator helper (validator.h).
  if (panoptes::scheduler::IsValidatorHelper(argc, argv))
    return panoptes::scheduler::RunValidatorHelper(argc, argv, panoptes::scheduler::PythonValidatorHooks);
  namespace core = panoptes::core;
  core::ArgParser parser("panoptes-scheduler", "[--kind discovery|enrichment|polling|all] [options]");
  parser.Add(
      {"kind", "KIND", "the kinds to schedule (default all); one leader per kind among all schedulers"});
  auto args = parser.Parse(argc, argv);
  if (!args.ok()) {
    std::fprintf(stderr, "error: %s\n", args.status().message().c_str());
    return core::kExitUsage;
  }
  if (auto code = core::HandleCommonOptions(parser, *args)) return *code;
  auto kinds = ParseKinds(args->Get("kind").value_or("all"));
  if (!kinds) {
    std::fprintf(stderr, "error: --kind %s: expected discovery, enrichment, polling or all\n",
                 args->Get("kind")->c_str());
    return core::kExitUsage;
  }
  std::string config_path = core::ResolveConfigPath(*args);
  auto loaded = panoptes::config::LoadSiteConfig(config_path);
  if (!loaded.ok()) {
    std::fprintf(stderr, "error: %s\n", loaded.status().message().c_str());
    return core::kExitUsage;
  }
  for (const std::string& warning : loaded->warnings) core::Logger("config")->warn("{}", warning);
  return panoptes::scheduler::RunDaemon(loaded->config, config_path, *kinds);
}
