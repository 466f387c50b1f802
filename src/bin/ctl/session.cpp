#include "bin/ctl/session.h"

#include <cstdio>

#include "config/site_config.h"
#include "core/logging.h"
#include "core/text.h"

namespace panoptes::ctl {

std::variant<Session, int> Session::Open(const core::ParsedArgs& args) {
  auto loaded = config::LoadSiteConfig(core::ResolveConfigPath(args));
  if (!loaded.ok()) return PrintError(loaded.status(), core::kExitUsage);
  for (const auto& w : loaded->warnings) core::Logger("config")->warn("{}", w);
  Session s{std::move(loaded->config), nullptr};
  s.client = std::make_unique<redis::Client>(s.site.redis, "panoptes-ctl");
  if (Status st = s.client->Connect(); !st.ok()) return PrintError(st, core::kExitRuntime);
  return s;
}

Result<double> ServerTime(redis::Client& client) {
  auto t = client.Command({"TIME"});
  if (!t.ok()) return t.status();
  if (t->elements.size() != 2) return Status::IOError("TIME: unexpected reply");
  return std::stod(t->elements[0].str) + std::stod(t->elements[1].str) / 1e6;
}

int PrintError(const Status& status, int exit_code) {
  std::fprintf(stderr, "error: %s\n", core::EscapeNonPrintable(status.message()).c_str());
  return exit_code;
}

Result<std::vector<PluginKind>> KindsOption(const core::ParsedArgs& args) {
  if (auto k = args.Get("kind")) {
    auto kind = ParseKind(*k);
    if (!kind) return Status::InvalidArgument("--kind " + *k + ": expected discovery, enrichment or polling");
    return std::vector<PluginKind>{*kind};
  }
  return std::vector<PluginKind>(kAllKinds.begin(), kAllKinds.end());
}

}  // namespace panoptes::ctl
