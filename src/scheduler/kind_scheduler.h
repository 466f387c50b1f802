#pragma once
// The scheduler of one plugin kind: two threads, each with its own Redis connection
// (docs/scheduler.md).
//
// - The dispatch thread (Run's caller) keeps or takes leadership (P:leader:<kind>, renewed every
//   ttl/3; lost or Redis unreachable -> stop dispatching at once) and, while leader, runs the
//   dispatch script (batches of dispatch_batch) and sleeps until the next due time. Nothing else
//   runs on it, so a large rebuild never delays a due task.
// - The maintenance thread, while leader: rescans plugins (at becoming leader, every
//   plugin_scan_interval, 300 ms after the first inotify change, on request), re-reads the
//   resource store when its version changed (polling, enrichment) and rebuilds the schedule after
//   any change: only the entries of the plugins that changed when the resources did not
//   (rebuild_plan.h). The rebuild's Redis writes are safe to interleave with dispatches.
// Errors (Redis down, a bad plugin) are logged and retried; they never end the loops. Each loop
// turn is a thread boundary: an exception is logged once, the loop pauses 1 s and goes on; a loop
// that keeps throwing (5 turns in a row) fails the kind, and the daemon ends the process with exit
// status 1 and the reason.
// Thread safety: Run() on one thread; RequestStop/RequestRescan/RequestReload from any thread.

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/file_trust.h"
#include "core/dir_watch.h"
#include "panoptes/site_config.h"
#include "scheduler/dispatch_pressure.h"
#include "scheduler/entry.h"
#include "scheduler/kind_backends.h"
#include "scheduler/rebuild_plan.h"
#include "scheduler/stats.h"
#include "scheduler/validator.h"

namespace panoptes::scheduler {

class KindScheduler {
 public:
  // `validator` and `stats` must outlive the scheduler; `backends` (kind_backends.h: Redis in the
  // daemon) must all be set. `failure_pause` is the pause after a loop turn that threw. kIOError
  // if inotify or eventfd fail.
  static Result<std::unique_ptr<KindScheduler>> Create(
      const SiteConfig& site, PluginKind kind, KindBackends backends, CodeValidator& validator,
      KindStats& stats, std::chrono::milliseconds failure_pause = kFailurePause);
  static constexpr std::chrono::milliseconds kFailurePause{1000};
  ~KindScheduler();

  // Runs until RequestStop() (starting and joining the maintenance thread); then gives
  // leadership up (compare-and-delete) and returns.
  void Run();
  void RequestStop();
  // Why this kind's scheduler gave up (its loops kept throwing), or nullopt while it is healthy.
  // Then Run returns by itself; the daemon ends the process.
  std::optional<std::string> failure() const;
  void RequestRescan();
  // SIGHUP: rescans with `site`'s plugins_paths, plugin_scan_interval and plugins_extension for
  // this kind. (Other settings take a restart.)
  void RequestReload(const SiteConfig& site);

 private:
  using Clock = std::chrono::steady_clock;
  KindScheduler(const SiteConfig& site, PluginKind kind, KindBackends backends, CodeValidator& validator,
                KindStats& stats, std::chrono::milliseconds failure_pause,
                std::unique_ptr<core::DirWatch> watcher, int dispatch_wake_fd, int maintenance_wake_fd);

  // One turn of a loop, at a thread boundary: an exception is logged (once while it repeats), the
  // loop pauses and goes on; after kMaxFailures turns in a row the kind fails (failure()).
  template <typename F>
  void Turn(const char* loop, int& failures, F&& turn);
  void Fail(std::string reason);
  // Dispatch thread.
  void DispatchTurn();
  void LeaderTick();
  void SetLeader(bool leader);
  void DispatchDue();
  void WaitDispatch();
  // Maintenance thread.
  void RunMaintenance();
  void Scan();
  void PollResources();
  void RebuildSchedule();
  void WaitMaintenance();
  void LogScanErrors(const std::map<std::string, std::string>& errors);

  const SiteConfig site_;
  const PluginKind kind_;
  const std::string kind_name_;
  CodeValidator& validator_;
  KindStats& stats_;
  const int dispatch_wake_fd_;
  const int maintenance_wake_fd_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> rescan_requested_{false};
  std::atomic<bool> leader_{false};
  std::atomic<uint64_t> leader_epoch_{0};  // bumped at each gain of leadership
  std::atomic<bool> dispatch_now_{false};  // a rebuild changed the schedule
  DispatchPressure pressure_;              // the rebuild's writes give way to the dispatch

  const std::chrono::milliseconds failure_pause_;
  const std::string leader_key_;  // for the log
  KindBackends backends_;         // each thread uses its own members (kind_backends.h)
  // Dispatch thread only.
  LeaderLock& leader_lock_;
  ScheduleStore& dispatch_store_;
  Clock::time_point next_leader_tick_{};
  Clock::time_point next_dispatch_{};
  std::string acquire_error_;  // the last failure to take the leadership, logged once

  struct ScanConfig {
    KindConfig kind;
    std::string extension;
    config::PluginFileChecks checks;
  };
  mutable std::mutex failure_mu_;
  std::optional<std::string> failure_;  // guarded by failure_mu_
  std::mutex reload_mu_;
  std::optional<ScanConfig> pending_scan_config_;  // guarded by reload_mu_

  // Maintenance thread only.
  ScheduleStore& store_;
  std::unique_ptr<core::DirWatch> watcher_;
  ScanConfig scan_config_;
  uint64_t seen_epoch_ = 0;
  bool schedule_dirty_ = false;
  bool have_plugins_ = false;
  std::vector<SchedulablePlugin> plugins_;
  ResourceTable resources_;
  uint64_t resources_generation_ = 0;  // bumped whenever resources_ changes
  RebuildPlanner planner_;             // full rebuild, or only the plugins that changed
  SignatureCache signatures_;          // of the entries over resources_
  int64_t entries_ = 0;                // after the last rebuild
  int64_t resources_version_ = -1;
  bool resources_stale_ = true;                       // re-read the store even if its version did not change
  std::map<std::string, std::string> logged_errors_;  // file -> reason already logged
  Clock::time_point next_scan_{};
  Clock::time_point next_resource_poll_{};
  Clock::time_point next_rebuild_retry_{};
  std::optional<Clock::time_point> change_seen_;  // first inotify change not yet rescanned
};

}  // namespace panoptes::scheduler
