// The site-wide INI parser and validator on arbitrary text: never crashes, and every error names
// the file; a config it accepts is within the documented ranges.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/site_config.h"
#include "fuzz_check.h"

namespace {
constexpr std::string_view kPath = "/nonexistent/panoptes-fuzz/panoptes.ini";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using panoptes::fuzz::Check;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto loaded = panoptes::config::ParseSiteConfig(text, std::string(kPath));
  if (!loaded.ok()) {
    Check(panoptes::fuzz::StartsWith(loaded.status().message(), kPath), "a site config error names the file");
    return 0;
  }
  const panoptes::SiteConfig& c = loaded->config;
  Check(!c.main.sites.empty(), "at least one site");
  Check(c.redis.port >= 1 && c.redis.port <= 65535, "redis port in range");
  Check(c.main.plugins_skew >= 0 && c.main.plugins_skew <= 60, "plugins_skew in range");
  Check(c.agent.workers >= 1, "at least one worker");
  return 0;
}
