#include "plugin/registry.h"

#include <filesystem>

namespace panoptes::plugin {
namespace {

namespace fs = std::filesystem;

bool IsUnder(const fs::path& path, const fs::path& dir) {
  auto p = path.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++p) {
    if (d->empty()) continue;  // trailing slash
    if (p == path.end() || *p != *d) return false;
  }
  return true;
}

fs::path Absolute(const std::string& path) {
  std::error_code ec;
  fs::path abs = fs::weakly_canonical(fs::absolute(path, ec), ec);
  return ec ? fs::absolute(path).lexically_normal() : abs;
}

}  // namespace

std::optional<PluginKind> KindOfPath(const SiteConfig& site, const std::string& path) {
  fs::path abs = Absolute(path);
  for (PluginKind kind : kAllKinds) {
    for (const auto& dir : site.Kind(kind).plugins_paths) {
      if (IsUnder(abs, Absolute(dir))) return kind;
    }
  }
  std::optional<PluginKind> found;
  for (const auto& part : abs) {
    if (auto k = ParseKind(part.string())) found = k;
  }
  return found;
}

}  // namespace panoptes::plugin
