// Recursive scanning of plugin directories (see plugin_file.h for the contract).

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>
#include <utility>

#include "config/plugin_file.h"
#include "config/values.h"

namespace panoptes::config {
namespace {

namespace fs = std::filesystem;
using DirId = std::pair<dev_t, ino_t>;

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "<file>:12: text" -> "line 12: text"; "<file>: text" -> "text".
std::string ReasonWithoutFile(const std::string& message, const std::string& file) {
  if (message.compare(0, file.size() + 1, file + ":") != 0) return message;
  std::string rest = message.substr(file.size() + 1);
  std::size_t digits = 0;
  while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) ++digits;
  if (digits > 0 && digits < rest.size() && rest[digits] == ':') return "line " + rest;
  return rest.substr(rest.find_first_not_of(' ') == std::string::npos ? rest.size()
                                                                      : rest.find_first_not_of(' '));
}

// Collects candidate plugin files below a set of roots.
class Walker {
 public:
  Walker(std::string suffix, PluginFileChecks checks) : suffix_(std::move(suffix)), checks_(checks) {}

  void AddRoot(const std::string& root) {
    struct stat st {};
    if (::stat(root.c_str(), &st) != 0) {
      errors_.push_back({root, "plugins path does not exist or cannot be accessed"});
    } else if (S_ISDIR(st.st_mode)) {
      if (Trusted(root)) Walk(root, {st.st_dev, st.st_ino});
    } else if (S_ISREG(st.st_mode)) {
      files_.insert(root);  // a file named explicitly is loaded whatever its extension
    } else {
      errors_.push_back({root, "plugins path is neither a directory nor a regular file"});
    }
  }

  std::set<std::string>& files() { return files_; }
  std::vector<PluginError>& errors() { return errors_; }

 private:
  void Walk(const std::string& dir, DirId id) {
    for (const auto& [ancestor_id, ancestor] : ancestors_) {
      if (ancestor_id == id) {
        errors_.push_back({dir, "directory loop: this is " + ancestor + " again; not scanned twice"});
        return;
      }
    }
    if (!visited_.insert(id).second) return;  // reached by another route: already scanned
    ancestors_.emplace_back(id, dir);
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) errors_.push_back({dir, "cannot read directory: " + ec.message()});
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) Visit(it->path().string());
    if (ec && it != fs::directory_iterator())
      errors_.push_back({dir, "cannot read directory: " + ec.message()});
    ancestors_.pop_back();
  }

  void Visit(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      if (EndsWith(path, suffix_)) errors_.push_back({path, "cannot access (broken symbolic link?)"});
      return;
    }
    if (S_ISDIR(st.st_mode)) {
      if (Trusted(path)) Walk(path, {st.st_dev, st.st_ino});
    } else if (S_ISREG(st.st_mode) && EndsWith(path, suffix_)) {
      files_.insert(path);
    }
  }

  // A directory that others could write is reported and not descended into.
  bool Trusted(const std::string& dir) {
    if (!checks_.permissions) return true;
    Status st = CheckTrusted(dir);
    if (st.ok()) return true;
    errors_.push_back({dir, ReasonWithoutFile(st.message(), dir)});
    return false;
  }

  std::string suffix_;
  PluginFileChecks checks_;
  std::set<DirId> visited_;
  std::vector<std::pair<DirId, std::string>> ancestors_;
  std::set<std::string> files_;  // sorted: loading order, so duplicate rejection is deterministic
  std::vector<PluginError> errors_;
};

// Rejects a plugin whose normalized name is already taken; records it otherwise.
bool AcceptName(const PluginInfo& info, std::map<std::string, const PluginInfo*>& seen, ScanResult& out) {
  auto [it, inserted] = seen.emplace(info.normalized_name, &info);
  if (inserted) return true;
  const PluginInfo& first = *it->second;
  std::string reason = first.name == info.name
                           ? "duplicate Name '" + info.name + "': already defined by " + first.file
                           : "Name '" + info.name + "' has the same normalized name '" +
                                 info.normalized_name + "' as Name '" + first.name + "' defined by " +
                                 first.file;
  out.errors.push_back({info.file, reason + "; this file is ignored"});
  return false;
}

}  // namespace

ScanResult ScanPaths(const std::vector<std::string>& paths, PluginKind kind, const std::string& extension,
                     const PluginFileChecks& checks) {
  Walker walker("." + extension, checks);
  for (const std::string& p : paths) walker.AddRoot(AbsoluteNormal(p));
  ScanResult out;
  out.errors = std::move(walker.errors());
  std::vector<PluginInfo> loaded;
  loaded.reserve(walker.files().size());
  for (const std::string& file : walker.files()) {
    auto info = LoadPluginFile(file, kind, checks);
    if (info.ok()) {
      loaded.push_back(std::move(info).value());
    } else {
      out.errors.push_back({file, ReasonWithoutFile(info.status().message(), file)});
    }
  }
  std::map<std::string, const PluginInfo*> seen;
  for (const PluginInfo& info : loaded) {
    if (AcceptName(info, seen, out)) out.plugins.push_back(info);
  }
  std::stable_sort(out.errors.begin(), out.errors.end(),
                   [](const PluginError& a, const PluginError& b) { return a.file < b.file; });
  return out;
}

ScanResult ScanPlugins(const SiteConfig& site, PluginKind kind) {
  return ScanPaths(site.Kind(kind).plugins_paths, kind, site.main.plugins_extension, ChecksOf(site));
}

}  // namespace panoptes::config
