#pragma once
// The plugins of one kind a worker may run, from the site config's plugins_paths: a full rescan
// every plugin_scan_interval (plugins added or removed), and an edited plugin file or module takes
// effect at its next run (an inotify watch: one read per task; without it, two stat calls). An
// unknown name rescans at once, at most once a second (a plugin added since the last scan).
// Single-threaded.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "agent/file_watch.h"
#include "agent/worker_core.h"
#include "panoptes/site_config.h"

namespace panoptes::agent {

class FilePluginCatalog : public PluginCatalog {
 public:
  // `forget(file)`: the plugin file was replaced or removed (the host drops its cached code).
  FilePluginCatalog(const SiteConfig& site, PluginKind kind, std::string worker_id,
                    std::function<void(const std::string&)> forget);

  std::shared_ptr<const PluginInfo> Find(const std::string& name) override;
  void Tick() override;
  void Rescan();

 private:
  using PluginMap = std::map<std::string, std::shared_ptr<const PluginInfo>>;  // by Name
  bool Refresh(PluginMap::iterator it);
  void RefreshAll();

  const SiteConfig& site_;
  PluginKind kind_;
  std::string worker_id_;
  std::function<void(const std::string&)> forget_;
  std::shared_ptr<spdlog::logger> log_;
  PluginMap plugins_;
  FileWatch files_;  // the plugins' files and modules
  std::chrono::steady_clock::time_point last_scan_;
};

}  // namespace panoptes::agent
