// panoptes-agent (docs/architecture.md): a supervisor forking worker processes that run the plugins of the
// queues of the given kind(s). See src/agent/supervisor.h and docs/agent.md.

#include <cstdio>

#include "agent/supervisor.h"
#include "config/site_config.h"
#include "config/values.h"
#include "core/cli.h"
#include "core/logging.h"

namespace {

// --kind discovery|enrichment|polling|all (default all: the kinds with plugins_paths configured).
panoptes::Result<std::vector<panoptes::PluginKind>> KindsOf(const std::string& name,
                                                            const panoptes::SiteConfig& site) {
  if (name != "all") {
    auto kind = panoptes::ParseKind(name);
    if (!kind)
      return panoptes::Status::InvalidArgument("--kind " + name +
                                               ": expected discovery, enrichment, polling or all");
    return std::vector<panoptes::PluginKind>{*kind};
  }
  std::vector<panoptes::PluginKind> kinds;
  for (auto k : panoptes::kAllKinds) {
    if (!site.Kind(k).plugins_paths.empty()) kinds.push_back(k);
  }
  if (kinds.empty())
    return panoptes::Status::InvalidArgument("no [discovery|enrichment|polling] plugins_paths configured");
  return kinds;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace panoptes;
  core::ArgParser parser("panoptes-agent", "[--kind discovery|enrichment|polling|all] [--workers N]");
  parser.Add({"kind", "KIND", "the queue(s) to consume (default all)"});
  parser.Add({"workers", "N", "worker processes per kind (default [agent] workers)"});
  auto args = parser.Parse(argc, argv);
  if (!args.ok()) {
    std::fprintf(stderr, "error: %s\n", args.status().message().c_str());
    return core::kExitUsage;
  }
  if (auto code = core::HandleCommonOptions(parser, *args)) return *code;
  agent::AgentOptions options;
  options.config_path = core::ResolveConfigPath(*args);
  auto loaded = config::LoadSiteConfig(options.config_path);
  if (!loaded.ok()) {
    std::fprintf(stderr, "error: %s\n", loaded.status().message().c_str());
    return core::kExitUsage;
  }
  for (const std::string& warning : loaded->warnings) core::Logger("config")->warn("{}", warning);
  options.site = loaded->config;
  auto kinds = KindsOf(args->Get("kind").value_or("all"), options.site);
  if (!kinds.ok()) {
    std::fprintf(stderr, "error: %s\n", kinds.status().message().c_str());
    return core::kExitUsage;
  }
  options.kinds = *kinds;
  if (auto w = args->Get("workers")) {
    // The config parser's integer rules ("5x" and "" are refused, not read as 5 and 0), and
    // [agent] workers' range.
    auto n = panoptes::config::ParseInteger(*w, 1, 1024);
    if (!n.ok()) {
      std::fprintf(stderr, "error: --workers %s: %s\n", w->c_str(), n.status().message().c_str());
      return core::kExitUsage;
    }
    options.workers = static_cast<int>(*n);
  }
  return agent::RunAgent(options);
}
