#pragma once
// The plugins of one kind a worker may run, from the site config's plugins_paths: a full rescan
// every plugin_scan_interval (plugins added or removed), and an edited plugin file or module takes
// effect at its next run. Edits are noticed through the worker board's plugin generation, which
// the agent's zygote bumps when its one inotify watch sees a change (one atomic load per task; the
// catalog then stats its plugins' files to find which changed); while no zygote watches, it stats
// the task's plugin files (two stat calls per task). An unknown name rescans at once, at most once
// a second (a plugin added since the last scan).
// Single-threaded. The zygote builds one per kind and its workers inherit a copy (fork).

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/board.h"
#include "agent/worker_core.h"
#include "panoptes/site_config.h"

namespace panoptes::agent {

class FilePluginCatalog : public PluginCatalog {
 public:
  // `forget(file)`: the plugin file was replaced or removed (the host drops its cached code).
  // `changes`: the board's shared part (nullptr: no watch, stat the files of every task's plugin).
  FilePluginCatalog(const SiteConfig& site, PluginKind kind, std::string worker_id,
                    std::function<void(const std::string&)> forget, const BoardShared* changes = nullptr);

  std::shared_ptr<const PluginInfo> Find(const std::string& name) override;
  void Tick() override;
  void Rescan();
  // Every plugin of the last scan (the zygote imports their modules).
  std::vector<std::shared_ptr<const PluginInfo>> All() const;
  // Its log tag (a worker forked from the zygote takes over the zygote's catalog).
  void set_worker_id(std::string id) { worker_id_ = std::move(id); }

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
  const BoardShared* changes_;
  uint64_t seen_generation_ = 0;
  std::chrono::steady_clock::time_point last_scan_;
};

}  // namespace panoptes::agent
