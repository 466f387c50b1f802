#include "scheduler/kind_scheduler.h"

#include <malloc.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <thread>

#include "config/plugin_file.h"
#include "core/logging.h"
#include "redis/keys.h"
#include "scheduler/plugin_verdict.h"

namespace panoptes::scheduler {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kDebounce{300};               // first change -> rescan: within a second of an edit
constexpr milliseconds kResourcePollInterval{1000};  // GET of the resource store version
constexpr milliseconds kMaxDispatchSleep{100};       // re-check the schedule at least this often: a rebuild
                                                     // may add entries due in kNewEntryMarginMs
constexpr milliseconds kRetryDelay{1000};            // after a failed rebuild or resource read
constexpr int kMaxBatchesPerTurn = 100;              // then let the loop renew leadership
constexpr int kMaxFailures = 5;                      // loop turns in a row that threw: the kind fails

std::shared_ptr<spdlog::logger> Log() {
  return core::Logger("scheduler");
}

}  // namespace

namespace {

int MakeEventFd() {
  return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

void Wake(int fd) {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(fd, &one, sizeof(one));
}

void DrainEventFd(int fd) {
  uint64_t count;
  [[maybe_unused]] ssize_t n = read(fd, &count, sizeof(count));
}

// Milliseconds until `until` for poll(): 0..1000, at least 1 when `until` is still ahead.
int PollTimeout(std::chrono::steady_clock::time_point until) {
  auto now = std::chrono::steady_clock::now();
  int ms = static_cast<int>(
      std::clamp<int64_t>(std::chrono::duration_cast<milliseconds>(until - now).count(), 0, 1000));
  return (until > now && ms == 0) ? 1 : ms;
}

}  // namespace

Result<std::unique_ptr<KindScheduler>> KindScheduler::Create(const SiteConfig& site, PluginKind kind,
                                                             KindBackends backends, CodeValidator& validator,
                                                             KindStats& stats, milliseconds failure_pause) {
  if (!backends.leader || !backends.dispatch_store || !backends.store || !backends.resources_version ||
      !backends.list_resources) {
    return Status::InvalidArgument("scheduler: incomplete backends");
  }
  auto watcher = core::DirWatch::Create("scheduler");
  if (!watcher.ok()) return watcher.status();
  int dispatch_fd = MakeEventFd();
  int maintenance_fd = MakeEventFd();
  if (dispatch_fd < 0 || maintenance_fd < 0) {
    std::string why = std::strerror(errno);
    if (dispatch_fd >= 0) close(dispatch_fd);
    return Status::IOError("eventfd: " + why);
  }
  return std::unique_ptr<KindScheduler>(new KindScheduler(site, kind, std::move(backends), validator, stats,
                                                          failure_pause, std::move(*watcher), dispatch_fd,
                                                          maintenance_fd));
}

KindScheduler::KindScheduler(const SiteConfig& site, PluginKind kind, KindBackends backends,
                             CodeValidator& validator, KindStats& stats, milliseconds failure_pause,
                             std::unique_ptr<core::DirWatch> watcher, int dispatch_wake_fd,
                             int maintenance_wake_fd)
    : site_(site),
      kind_(kind),
      kind_name_(KindName(kind)),
      validator_(validator),
      stats_(stats),
      dispatch_wake_fd_(dispatch_wake_fd),
      maintenance_wake_fd_(maintenance_wake_fd),
      failure_pause_(failure_pause),
      leader_key_(redis::keys::Leader(site.redis.key_prefix, kind)),
      backends_(std::move(backends)),
      leader_lock_(*backends_.leader),
      dispatch_store_(*backends_.dispatch_store),
      store_(*backends_.store),
      watcher_(std::move(watcher)),
      scan_config_{site.Kind(kind), site.main.plugins_extension, config::ChecksOf(site)} {
  store_.set_dispatch_pressure(&pressure_);
}

KindScheduler::~KindScheduler() {
  close(dispatch_wake_fd_);
  close(maintenance_wake_fd_);
}

void KindScheduler::RequestStop() {
  stop_ = true;
  pressure_.Clear();
  Wake(dispatch_wake_fd_);
  Wake(maintenance_wake_fd_);
}

void KindScheduler::RequestReload(const SiteConfig& site) {
  {
    std::lock_guard lock(reload_mu_);
    pending_scan_config_ = ScanConfig{site.Kind(kind_), site.main.plugins_extension, config::ChecksOf(site)};
  }
  RequestRescan();
}

void KindScheduler::RequestRescan() {
  rescan_requested_ = true;
  Wake(maintenance_wake_fd_);
}

std::optional<std::string> KindScheduler::failure() const {
  std::lock_guard lock(failure_mu_);
  return failure_;
}

void KindScheduler::Fail(std::string reason) {
  Log()->critical("{}: {}; the scheduler stops", kind_name_, reason);
  {
    std::lock_guard lock(failure_mu_);
    if (!failure_) failure_ = std::move(reason);
  }
  RequestStop();
}

template <typename F>
void KindScheduler::Turn(const char* loop, int& failures, F&& turn) {
  std::string what;
  try {
    turn();
    if (failures > 0) Log()->info("{}: {} loop recovered", kind_name_, loop);
    failures = 0;
    return;
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "a non-standard exception";
  }
  if (++failures >= kMaxFailures) {
    return Fail(std::string(loop) + " loop failed " + std::to_string(failures) + " times in a row: " + what);
  }
  if (failures == 1)
    Log()->error("{}: {} loop failed (retrying in {} ms): {}", kind_name_, loop, failure_pause_.count(),
                 what);
  pollfd p{std::string_view(loop) == "dispatch" ? dispatch_wake_fd_ : maintenance_wake_fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(failure_pause_.count())) > 0) DrainEventFd(p.fd);
}

void KindScheduler::Run() {
  Log()->info("{}: scheduler started (token {})", kind_name_, leader_lock_.token());
  std::thread maintenance([this] {
    int failures = 0;
    while (!stop_) Turn("maintenance", failures, [this] { RunMaintenance(); });
  });
  int failures = 0;
  while (!stop_) Turn("dispatch", failures, [this] { DispatchTurn(); });
  if (leader_) {
    Status st = leader_lock_.Release();
    if (!st.ok()) Log()->warn("{}: could not give leadership up: {}", kind_name_, st.ToString());
    leader_ = false;
    stats_.leader = false;
    Log()->info("{}: leadership given up", kind_name_);
  }
  maintenance.join();
  Log()->info("{}: scheduler stopped", kind_name_);
}

void KindScheduler::DispatchTurn() {
  auto now = Clock::now();
  stats_.loop_heartbeat_ms = SteadyMs();
  if (now >= next_leader_tick_) LeaderTick();
  if (leader_ && (now >= next_dispatch_ || dispatch_now_.exchange(false))) DispatchDue();
  WaitDispatch();
}

void KindScheduler::WaitDispatch() {
  Clock::time_point until = next_leader_tick_;
  if (leader_) until = std::min(until, next_dispatch_);
  pollfd p{dispatch_wake_fd_, POLLIN, 0};
  if (poll(&p, 1, PollTimeout(until)) > 0) DrainEventFd(dispatch_wake_fd_);
}

void KindScheduler::SetLeader(bool leader) {
  if (leader == leader_) return;
  leader_ = leader;
  stats_.leader = leader;
  if (leader) {
    ++stats_.leader_changes;
    ++leader_epoch_;  // the maintenance thread rescans and re-reads the resources
    Log()->info("{}: leader now ({})", kind_name_, leader_key_);
    next_dispatch_ = Clock::now();
    Wake(maintenance_wake_fd_);
  } else {
    pressure_.Clear();
    Log()->warn("{}: not leader any more; dispatching stopped", kind_name_);
  }
}

void KindScheduler::LeaderTick() {
  auto result = leader_ ? leader_lock_.Renew() : leader_lock_.Acquire();
  if (!result.ok()) {
    std::string error = result.status().ToString();
    if (leader_) {
      Log()->error("{}: cannot renew leadership: {}", kind_name_, error);
    } else if (error != acquire_error_) {
      // A standby retries every tick: say why once (e.g. an ACL user without the rights), not
      // every third of leader_ttl_ms.
      Log()->error("{}: cannot take the leadership: {}", kind_name_, error);
    }
    acquire_error_ = error;
    SetLeader(false);
  } else {
    acquire_error_.clear();
    SetLeader(*result);
  }
  next_leader_tick_ = Clock::now() + milliseconds(std::max(site_.scheduler.leader_ttl_ms / 3, 100));
}

void KindScheduler::DispatchDue() {
  for (int turn = 0; turn < kMaxBatchesPerTurn; ++turn) {
    auto result = dispatch_store_.Dispatch(leader_lock_.token(), site_.scheduler.dispatch_batch);
    ++stats_.dispatch_calls;
    if (!result.ok()) {
      ++stats_.dispatch_errors;
      Log()->error("{}: dispatch failed: {}", kind_name_, result.status().ToString());
      SetLeader(false);
      next_leader_tick_ = Clock::now() + milliseconds(500);
      return;
    }
    if (!result->leader) {
      Log()->warn("{}: leadership lost (the leader key no longer holds our token)", kind_name_);
      SetLeader(false);
      return;
    }
    stats_.tasks_enqueued += static_cast<uint64_t>(result->dispatched);
    int64_t latest = 0;
    for (int64_t late : result->lateness_ms) {
      stats_.ObserveLateness(late);
      latest = std::max(latest, late);
    }
    pressure_.Report(result->dispatched, site_.scheduler.dispatch_batch, latest);
    if (result->dispatched >= site_.scheduler.dispatch_batch) continue;
    milliseconds sleep = kMaxDispatchSleep;
    if (result->next_due_ms >= 0)
      sleep = std::min(sleep, milliseconds(std::max<int64_t>(0, result->next_due_ms - result->now_ms)));
    next_dispatch_ = Clock::now() + sleep;
    return;
  }
  next_dispatch_ = Clock::now();
}

// One turn of the maintenance loop.
void KindScheduler::RunMaintenance() {
  if (leader_) {
    if (uint64_t epoch = leader_epoch_; epoch != seen_epoch_) {
      seen_epoch_ = epoch;  // rescan and re-read resources: they may have changed while standing by
      have_plugins_ = false;
      resources_version_ = -1;
      planner_.Reset();  // and another leader may have written the schedule meanwhile
    }
    auto now = Clock::now();
    bool changed = change_seen_ && now - *change_seen_ >= kDebounce;
    if (!have_plugins_ || now >= next_scan_ || changed || rescan_requested_.exchange(false)) Scan();
    if (kind_ != PluginKind::kDiscovery && Clock::now() >= next_resource_poll_) PollResources();
    bool resources_known = kind_ == PluginKind::kDiscovery || resources_version_ >= 0;
    if (schedule_dirty_ && resources_known && Clock::now() >= next_rebuild_retry_) RebuildSchedule();
  }
  WaitMaintenance();
}

void KindScheduler::WaitMaintenance() {
  Clock::time_point until = Clock::now() + milliseconds(1000);
  if (leader_) {
    until = std::min(until, next_scan_);
    if (kind_ != PluginKind::kDiscovery) until = std::min(until, next_resource_poll_);
    if (schedule_dirty_) until = std::min(until, next_rebuild_retry_);
    if (change_seen_) until = std::min(until, *change_seen_ + kDebounce);
  }
  pollfd fds[2] = {{watcher_->fd(), POLLIN, 0}, {maintenance_wake_fd_, POLLIN, 0}};
  if (poll(fds, 2, PollTimeout(until)) <= 0) return;
  if (fds[1].revents & POLLIN) DrainEventFd(maintenance_wake_fd_);
  if ((fds[0].revents & POLLIN) && watcher_->Drain() && !change_seen_) change_seen_ = Clock::now();
}

void KindScheduler::Scan() {
  auto started = Clock::now();
  rescan_requested_ = false;
  change_seen_.reset();
  {
    std::lock_guard lock(reload_mu_);
    if (pending_scan_config_) {
      scan_config_ = std::move(*pending_scan_config_);
      pending_scan_config_.reset();
    }
  }
  PluginVerdict verdict = JudgePlugins(
      scan_config_.kind.plugins_paths, kind_, scan_config_.extension,
      [this](const std::vector<PluginInfo>& plugins) { return validator_.Validate(plugins); },
      scan_config_.checks);
  const std::map<std::string, std::string>& errors = verdict.rejected;
  std::vector<SchedulablePlugin>& plugins = verdict.accepted;
  watcher_->Watch(scan_config_.kind.plugins_paths, verdict.module_dirs);
  LogScanErrors(errors);
  stats_.plugins_ok = static_cast<int64_t>(plugins.size());
  stats_.plugins_failed = static_cast<int64_t>(errors.size());
  ++stats_.scans;
  Log()->debug("{}: scanned {} plugins ({} rejected) in {} ms", kind_name_, plugins.size(), errors.size(),
               std::chrono::duration_cast<milliseconds>(Clock::now() - started).count());
  plugins_ = std::move(plugins);
  have_plugins_ = true;
  resources_stale_ = true;  // expiries do not bump the store version: re-read once per scan
  schedule_dirty_ = true;
  next_rebuild_retry_ = {};
  next_scan_ = Clock::now() + std::chrono::seconds(scan_config_.kind.plugin_scan_interval);
}

void KindScheduler::LogScanErrors(const std::map<std::string, std::string>& errors) {
  for (const auto& [file, reason] : errors) {
    auto it = logged_errors_.find(file);
    if (it != logged_errors_.end() && it->second == reason) continue;
    Log()->error("{}: plugin {} not scheduled: {}", kind_name_, file, reason);
  }
  for (const auto& [file, reason] : logged_errors_) {
    if (!errors.count(file)) Log()->info("{}: plugin {} no longer rejected", kind_name_, file);
  }
  logged_errors_ = errors;
}

void KindScheduler::PollResources() {
  next_resource_poll_ = Clock::now() + kResourcePollInterval;
  auto version = backends_.resources_version();
  if (!version.ok()) {
    Log()->warn("{}: cannot read the resource store version: {}", kind_name_, version.status().ToString());
    return;
  }
  if (*version == resources_version_ && !resources_stale_) return;
  auto list = backends_.list_resources();
  if (!list.ok()) {
    Log()->warn("{}: cannot read the resource store: {}", kind_name_, list.status().ToString());
    return;
  }
  Log()->info("{}: resource store version {}: {} resources", kind_name_, *version, list->size());
  if (*list != resources_) ++resources_generation_;
  resources_ = std::move(*list);
  resources_version_ = *version;
  resources_stale_ = false;
  stats_.resources = static_cast<int64_t>(resources_.size());
  schedule_dirty_ = true;
}

void KindScheduler::RebuildSchedule() {
  RebuildPlan plan = planner_.Plan(plugins_, resources_generation_);
  if (plan.nothing()) {  // a rescan that changed nothing
    schedule_dirty_ = false;
    Log()->debug("{}: schedule unchanged: no plugin and no resource changed", kind_name_);
    return;
  }
  auto started = Clock::now();
  const int64_t yielded_before = pressure_.waited_ms();
  signatures_.Bind(resources_generation_);
  auto all = [this](const std::function<void(Entry &&)>& sink) {
    ForEachEntry(plugins_, resources_, sink, &signatures_);
  };
  auto some = [this, &plan](const std::function<void(Entry &&)>& sink) {
    ForEachEntry(plugins_, resources_, sink, plan.scope, &signatures_);
  };
  auto result = plan.full ? store_.Rebuild(all) : store_.Rebuild(some, plan.scope);
  malloc_trim(0);  // a large rebuild's transient strings: give the memory back
  auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - started).count();
  if (!result.ok()) {
    planner_.Reset();  // part of the diff may be applied: the next rebuild is a full one
    ++stats_.rebuild_errors;
    next_rebuild_retry_ = Clock::now() + kRetryDelay;
    Log()->error("{}: schedule rebuild failed (retrying): {}", kind_name_, result.status().ToString());
    return;
  }
  planner_.Applied(plugins_, resources_generation_);
  schedule_dirty_ = false;
  ++stats_.rebuilds;
  auto kept = static_cast<int64_t>(result->added + result->updated + result->rescheduled + result->unchanged);
  entries_ = plan.full
                 ? kept
                 : entries_ + static_cast<int64_t>(result->added) - static_cast<int64_t>(result->removed);
  stats_.entries = entries_;
  stats_.last_rebuild_ms = took;
  bool changed = result->added + result->updated + result->rescheduled + result->removed > 0;
  std::string what = plan.full ? "schedule rebuilt"
                               : "schedule rebuilt for " + std::to_string(plan.scope.size()) + " plugin(s)";
  Log()->log(
      changed ? spdlog::level::info : spdlog::level::debug,
      "{}: {} in {} ms: {} entries ({} added, {} updated, {} rescheduled, {} removed; {} ms given to the "
      "dispatch)",
      kind_name_, what, took, entries_, result->added, result->updated, result->rescheduled, result->removed,
      pressure_.waited_ms() - yielded_before);
  dispatch_now_ = true;
  Wake(dispatch_wake_fd_);
}

}  // namespace panoptes::scheduler
