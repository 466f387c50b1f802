#include "agent/plugin_catalog.h"

#include <sys/stat.h>

#include "config/plugin_file.h"

namespace panoptes::agent {
namespace {

int64_t MtimeNs(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

}  // namespace

FilePluginCatalog::FilePluginCatalog(const SiteConfig& site, PluginKind kind, std::string worker_id,
                                     std::function<void(const std::string&)> forget,
                                     const BoardShared* changes)
    : site_(site),
      kind_(kind),
      worker_id_(std::move(worker_id)),
      forget_(std::move(forget)),
      log_(core::Logger("agent")),
      changes_(changes) {}

void FilePluginCatalog::Tick() {
  if (std::chrono::steady_clock::now() - last_scan_ >
      std::chrono::seconds(site_.Kind(kind_).plugin_scan_interval)) {
    Rescan();
  }
}

void FilePluginCatalog::Rescan() {
  config::ScanResult scan = config::ScanPlugins(site_, kind_);
  for (const auto& e : scan.errors) log_->warn("worker {}: plugin {}: {}", worker_id_, e.file, e.reason);
  PluginMap fresh;
  for (auto& p : scan.plugins) {
    std::string name = p.name;  // before p is moved from
    fresh.emplace(std::move(name), std::make_shared<const PluginInfo>(std::move(p)));
  }
  for (const auto& [name, info] : plugins_) {
    auto it = fresh.find(name);
    if ((it == fresh.end() || it->second->file != info->file) && forget_) forget_(info->file);
  }
  plugins_ = std::move(fresh);
  last_scan_ = std::chrono::steady_clock::now();
}

std::vector<std::shared_ptr<const PluginInfo>> FilePluginCatalog::All() const {
  std::vector<std::shared_ptr<const PluginInfo>> all;
  for (const auto& [name, info] : plugins_) all.push_back(info);
  return all;
}

// Reloads the plugin at `it` if its file or module changed (two stat calls); false when it no
// longer loads under its name (the caller drops it).
bool FilePluginCatalog::Refresh(PluginMap::iterator it) {
  const PluginInfo& info = *it->second;
  if (MtimeNs(info.file) == info.file_mtime_ns && MtimeNs(info.module_path) == info.module_mtime_ns)
    return true;
  auto fresh = config::LoadPluginFile(info.file, kind_, config::ChecksOf(site_));
  if (!fresh.ok() || fresh->name != it->first) {
    log_->warn("worker {}: plugin {} changed and no longer loads as '{}': {}", worker_id_, info.file,
               it->first, fresh.ok() ? "renamed" : fresh.status().message());
    return false;
  }
  it->second = std::make_shared<const PluginInfo>(std::move(*fresh));
  return true;
}

void FilePluginCatalog::RefreshAll() {
  for (auto it = plugins_.begin(); it != plugins_.end();) {
    it = Refresh(it) ? std::next(it) : plugins_.erase(it);
  }
}

std::shared_ptr<const PluginInfo> FilePluginCatalog::Find(const std::string& name) {
  bool watched = changes_ != nullptr && changes_->watching.load(std::memory_order_relaxed) != 0;
  if (watched) {
    uint64_t generation = changes_->plugin_generation.load(std::memory_order_acquire);
    if (generation != seen_generation_) {
      seen_generation_ = generation;
      RefreshAll();
    }
  }
  auto it = plugins_.find(name);
  if (it == plugins_.end() && std::chrono::steady_clock::now() - last_scan_ > std::chrono::seconds(1)) {
    Rescan();
    it = plugins_.find(name);
  }
  if (it == plugins_.end()) return nullptr;
  if (!watched && !Refresh(it)) {
    plugins_.erase(it);
    return nullptr;
  }
  return it->second;
}

}  // namespace panoptes::agent
