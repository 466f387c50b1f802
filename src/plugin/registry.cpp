#include "plugin/registry.h"

#include <filesystem>

#include "config/plugin_file.h"

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

// The first line of a (possibly multi-line) reason.
std::string FirstLine(const std::string& text) {
  return text.substr(0, text.find('\n'));
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

std::vector<CheckLine> CheckPath(const std::string& path, PluginKind kind, const std::string& extension,
                                 python::PluginHost& host) {
  std::vector<CheckLine> lines;
  std::error_code ec;
  config::ScanResult scan;
  if (fs::is_regular_file(path, ec)) {
    auto info = config::LoadPluginFile(path, kind);
    if (info.ok()) {
      scan.plugins.push_back(std::move(info).value());
    } else {
      scan.errors.push_back({Absolute(path).string(), info.status().message()});
    }
  } else {
    scan = config::ScanPaths({path}, kind, extension);
  }
  for (const auto& e : scan.errors) {
    std::string reason = e.reason;
    if (reason.rfind(e.file + ":", 0) == 0) reason = reason.substr(e.file.size() + 1);  // no file twice
    while (!reason.empty() && reason.front() == ' ') reason.erase(0, 1);
    lines.push_back({false, kind, "", e.file, FirstLine(reason)});
  }
  for (const auto& info : scan.plugins) {
    Status st = host.Load(info);
    CheckLine line{st.ok(), kind, info.name, info.file, ""};
    if (!st.ok()) {
      std::string reason = st.message();
      if (reason.rfind(info.file + ": ", 0) == 0) reason = reason.substr(info.file.size() + 2);
      line.reason = FirstLine(reason);
    }
    lines.push_back(std::move(line));
  }
  std::sort(lines.begin(), lines.end(),
            [](const CheckLine& a, const CheckLine& b) { return a.file < b.file; });
  return lines;
}

std::string FormatCheckLine(const CheckLine& line) {
  if (line.ok) return "OK " + std::string(KindName(line.kind)) + " " + line.name + " " + line.file;
  return "ERROR " + line.file + ": " + line.reason;
}

}  // namespace panoptes::plugin
