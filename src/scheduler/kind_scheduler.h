#pragma once
// The scheduler of one plugin kind: one thread, one Redis connection (docs/scheduler.md).
//
// Its loop, in order on each turn: keep or take leadership (P:leader:<kind>, renewed every ttl/3;
// lost or Redis unreachable -> stop dispatching at once); while leader: dispatch the due tasks
// (the Lua script, batches of dispatch_batch), rescan plugins when due (at becoming leader, every
// plugin_scan_interval, ~250 ms after the last inotify change, on request), re-read the resource
// store when its version changed (polling, enrichment), and rebuild the schedule after any change.
// It then sleeps in poll() until the next due time, a file change or a wake-up.
// Errors (Redis down, a bad plugin) are logged and retried; they never end the loop.
// Thread safety: Run() on one thread; RequestStop/RequestRescan from any thread.

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "panoptes/site_config.h"
#include "redis/client.h"
#include "resources/store.h"
#include "scheduler/entry.h"
#include "scheduler/leader.h"
#include "scheduler/schedule_store.h"
#include "scheduler/stats.h"
#include "scheduler/validator.h"
#include "scheduler/watcher.h"

namespace panoptes::scheduler {

class KindScheduler {
 public:
  // `validator` and `stats` must outlive the scheduler. kIOError if inotify or eventfd fail.
  static Result<std::unique_ptr<KindScheduler>> Create(const SiteConfig& site, PluginKind kind,
                                                       std::string token, CodeValidator& validator,
                                                       KindStats& stats);
  ~KindScheduler();

  // Runs until RequestStop(); then gives leadership up (compare-and-delete) and returns.
  void Run();
  void RequestStop();
  void RequestRescan();

 private:
  using Clock = std::chrono::steady_clock;
  KindScheduler(const SiteConfig& site, PluginKind kind, std::string token, CodeValidator& validator,
                KindStats& stats, std::unique_ptr<Watcher> watcher, int wake_fd);

  void LeaderTick();
  void SetLeader(bool leader);
  void DispatchDue();
  void Scan();
  void PollResources();
  void RebuildSchedule();
  void Wait();
  void LogScanErrors(const std::map<std::string, std::string>& errors);

  const SiteConfig site_;
  const PluginKind kind_;
  const std::string kind_name_;
  CodeValidator& validator_;
  KindStats& stats_;
  std::unique_ptr<Watcher> watcher_;
  int wake_fd_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> rescan_requested_{false};

  redis::Client client_;
  LeaderLock leader_lock_;
  ScheduleStore store_;
  resources::ResourceStore resource_store_;

  bool leader_ = false;
  bool schedule_dirty_ = false;
  bool have_plugins_ = false;
  std::vector<SchedulablePlugin> plugins_;
  std::vector<Resource> resources_;
  int64_t resources_version_ = -1;
  bool resources_stale_ = true;                       // re-read the store even if its version did not change
  std::map<std::string, std::string> logged_errors_;  // file -> reason already logged

  Clock::time_point next_leader_tick_{};
  Clock::time_point next_dispatch_{};
  Clock::time_point next_scan_{};
  Clock::time_point next_resource_poll_{};
  Clock::time_point next_rebuild_retry_{};
  std::optional<Clock::time_point> change_seen_;  // first inotify change not yet rescanned
};

}  // namespace panoptes::scheduler
