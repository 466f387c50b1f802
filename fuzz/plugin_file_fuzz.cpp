// The plugin-file (.panoptes-plugin) parser and validator on arbitrary text, as a plugin of the
// kind chosen by the first byte: never crashes, every error names the file, and an accepted plugin
// has the invariants the scheduler and agent rely on. The plugin "lives" in a temporary directory
// holding plugin.py so that `Module = plugin` resolves and validation goes past [Core].

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "config/plugin_file.h"
#include "fuzz_check.h"

namespace {

const std::string& PluginDir() {
  static const std::string dir = [] {
    std::string tmpl = "/tmp/panoptes-fuzz-plugin.XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    std::ofstream(tmpl + "/plugin.py") << "# fuzz\n";
    return tmpl;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using panoptes::fuzz::Check;
  if (size == 0) return 0;
  auto kind = static_cast<panoptes::PluginKind>(data[0] % 3);
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string path = PluginDir() + "/fuzz.panoptes-plugin";
  auto info = panoptes::config::ParsePluginFile(text, path, kind, {.permissions = false});
  if (!info.ok()) {
    Check(panoptes::fuzz::StartsWith(info.status().message(), path), "a plugin file error names the file");
    return 0;
  }
  Check(!info->name.empty() && !info->normalized_name.empty(), "a plugin has a name");
  Check(info->execute_frequency > 0, "execute_frequency > 0");
  Check(info->time_limit > 0 && info->expires > 0, "positive time_limit and expires");
  Check(kind == panoptes::PluginKind::kDiscovery || !info->resource_filter.empty(),
        "polling and enrichment plugins have a resource filter");
  return 0;
}
