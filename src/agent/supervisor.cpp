#include "agent/supervisor.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <utility>  // before Asio: boost 1.74 awaitable.hpp needs std::exchange

#include <boost/asio.hpp>

#include "agent/agent_metrics.h"
#include "agent/board.h"
#include "agent/redis_courier.h"
#include "agent/worker.h"
#include "agent/zygote.h"
#include "agent/zygote_link.h"
#include "config/site_config.h"
#include "core/logging.h"
#include "http/server.h"
#include "process/kill_timer.h"
#include "process/notify.h"
#include "process/privileges.h"
#include "process/process.h"

namespace panoptes::agent {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How often the supervisor reads the worker board (time limits, prefetch hand-back), and how long
// a run may last before the task its worker prefetched is handed back to the queue.
constexpr milliseconds kWatchPeriod{50};
constexpr int64_t kPrefetchHoldMs = 100;

struct Slot {
  Slot(asio::io_context& io, PluginKind k, int i, size_t b)
      : kind(k), index(i), board_index(b), kill(io), restart(io) {}
  PluginKind kind;
  int index;
  size_t board_index;  // its slot of the worker board
  int generation = 0;
  pid_t pid = -1;
  std::string worker_id;
  asio::steady_timer kill;  // the SIGKILL grace after a time-limit SIGTERM
  asio::steady_timer restart;
  uint64_t seen_run = 0;     // the board's run_seq last seen
  bool handed_back = false;  // the prefetched task of the current run went back (or is asked to)
  bool timed_out = false;    // the supervisor killed it for its time limit
  bool stopping = false;     // told to stop: recycle, reload or shutdown
  bool spawning = false;     // asked of the zygote, not answered yet
  uint64_t spawn_epoch = 0;  // the config epoch it was asked under
  std::string stop_reason;
  std::string task_id;
  int64_t time_limit_ms = 0;
  Clock::time_point started_at;
  int quick_deaths = 0;
  BoardCounts folded;                     // the board counters already in the metrics
  std::shared_ptr<RedisCourier> courier;  // the one of the Redis config it was started with
};
CourierJob Job(CourierJob::Op op, PluginKind kind, std::vector<std::string> workers, int64_t ttl_ms = 0,
               std::string status = "", std::string error = "") {
  CourierJob job;
  job.op = op;
  job.kind = kind;
  job.workers = std::move(workers);
  job.ttl_ms = ttl_ms;
  job.status = std::move(status);
  job.error = std::move(error);
  return job;
}

class Supervisor {
 public:
  explicit Supervisor(const AgentOptions& o)
      : options_(o),
        site_(o.site),
        log_(core::Logger("agent")),
        signals_(io_),
        tick_(io_),
        watch_(io_),
        shutdown_(io_),
        drain_(io_) {}
  int Run();

 private:
  bool Listen();
  bool DropPrivileges();
  void Spawn(Slot& slot);
  Result<pid_t> StartZygote(int fd);
  void OnStarted(size_t board_index, pid_t pid);
  bool OnUnknownExit(const process::ExitInfo& info);
  void AdoptForked();
  int Remaining() const;
  void Watch();
  bool WatchRun(Slot& slot);
  void HandBack(const std::vector<Slot*>& slots);
  void Fold();
  void OnDeadline(Slot& slot);
  void OnExit(Slot& slot, const process::ExitInfo& info);
  void ScheduleRestart(Slot& slot, bool clean);
  void QuarantinePlugin(Slot& slot, const std::string& error);
  void ReportHealth();
  void AwaitSignal();
  void OnSignal(int sig);
  void BeginShutdown();
  void MaybeStop();
  void Reload();
  void MoveRedis(const RedisConfig& running);
  redis::MasterSignal* FreeMasterSignal();
  void PruneRetired();
  std::vector<std::string> WorkersOf(const RedisCourier& courier, PluginKind kind) const;
  void Tell(Slot& slot, const std::string& reason);
  void Tick();
  void Heartbeat();
  void HeartbeatDone(PluginKind kind, const CourierReply& reply);
  void CheckRedisBacklog();
  void CheckRss();
  int Alive(PluginKind kind) const;

  const AgentOptions& options_;
  SiteConfig site_;
  std::shared_ptr<spdlog::logger> log_;
  asio::io_context io_;
  asio::signal_set signals_;
  asio::steady_timer tick_;
  asio::steady_timer watch_;
  asio::steady_timer shutdown_;
  asio::steady_timer drain_;  // at shutdown: how long the Redis jobs may still take
  bool draining_ = false;
  std::shared_ptr<RedisCourier> courier_;  // of the current [redis]: new workers and the reaper
  struct Retired {
    std::shared_ptr<RedisCourier> courier;  // of a previous [redis]: its workers and jobs finish
    Clock::time_point since;
  };
  std::vector<Retired> retired_;
  AgentMetrics metrics_;
  process::Notifier notifier_;
  std::unique_ptr<Board> board_;
  std::unique_ptr<ZygoteLink> zygote_;
  uint64_t config_epoch_ = 0;  // bumped by every reload
  std::unique_ptr<http::Server> http_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::string host_tag_;
  bool stopping_ = false;
  bool killed_at_shutdown_ = false;
  std::string redis_problem_;
  uint64_t ticks_ = 0;
  Clock::time_point last_watchdog_;
};

bool DiedImporting(const BoardSlot& b) {
  return b.run_seq.load(std::memory_order_acquire) % 2 == 1 &&
         b.importing.load(std::memory_order_acquire) != 0;
}

std::string HostTag() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  std::mt19937 rng(std::random_device{}());
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + std::to_string(rng() % 100000);
}

void Supervisor::Spawn(Slot& slot) {
  slot.worker_id = host_tag_ + ":" + std::string(KindName(slot.kind)) + ":" + std::to_string(slot.index) +
                   ":" + std::to_string(slot.generation++);
  board_->Reset(slot.board_index);
  slot.folded = BoardCounts{};
  slot.seen_run = 0;
  slot.spawning = true;
  slot.spawn_epoch = config_epoch_;
  slot.courier = courier_;
  slot.started_at = Clock::now();
  if (stopping_) board_->slot(slot.board_index).stop.store(1, std::memory_order_relaxed);
  zygote_->Request(slot.board_index, slot.kind, slot.worker_id);
}

// The zygote process: forked while this process is single-threaded and has never started Python.
Result<pid_t> Supervisor::StartZygote(int fd) {
  pid_t parent = getpid();
  char name[16] = {};
  prctl(PR_GET_NAME, name);
  auto pid = process::Fork();
  if (!pid.ok() || *pid != 0) return pid;
  // Named apart from the workers at once (ps, and tools counting an agent's workers by its children);
  // RunZygote sets it again (and the workers take back the supervisor's).
  prctl(PR_SET_NAME, kZygoteProcessName);
  process::ResetSignalsInChild();
  process::CloseOtherFds(fd);
  // It dies with the supervisor (the workers finish their runs: they have a signal of their own).
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(kWorkerExitOk);
  int code = RunZygote({site_, options_.kinds, board_.get(), fd, parent, name});
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
  _exit(code);
}

// The zygote answered for a slot (or its request was settled otherwise): the worker runs as
// `pid`, or could not be forked (pid < 0).
void Supervisor::OnStarted(size_t board_index, pid_t pid) {
  Slot& slot = *slots_.at(board_index);
  if (!slot.spawning) return;  // already settled (its exit was seen first)
  slot.spawning = false;
  if (pid <= 0) {
    if (stopping_) return MaybeStop();
    log_->error("worker {}: the zygote could not fork it: {}", slot.worker_id, std::strerror(-pid));
    return ScheduleRestart(slot, false);
  }
  slot.pid = pid;
  slot.timed_out = slot.stopping = slot.handed_back = false;
  // Registered at once so that a reaper can find its in-flight list should this host die.
  slot.courier->Submit(
      Job(CourierJob::Op::kRegister, slot.kind, {slot.worker_id}, site_.agent.heartbeat_ttl_ms),
      [this, id = slot.worker_id](const CourierReply& r) {
        if (!r.status.ok()) log_->warn("worker {}: cannot register: {}", id, r.status.ToString());
      });
  log_->info("worker {} started (pid {})", slot.worker_id, slot.pid);
  metrics_.SetWorkersAlive(slot.kind, Alive(slot.kind));
  if (stopping_) {
    Tell(slot, "shutdown");
  } else if (slot.spawn_epoch != config_epoch_) {
    Tell(slot, "reload");  // forked by the zygote of the previous config
  }
}

// Workers forked whose zygote has not answered yet (it may be descheduled right after the fork
// while the worker already runs): taken as started from the pid in their board slot, so that
// time limits and /metrics count them at once. The late answer is then ignored.
void Supervisor::AdoptForked() {
  for (auto& slot : slots_) {
    if (!slot->spawning) continue;
    pid_t pid = board_->slot(slot->board_index).pid.load(std::memory_order_acquire);
    if (pid <= 0) continue;
    zygote_->Forget(slot->board_index);
    OnStarted(slot->board_index, pid);
  }
}

// A child that is neither the zygote nor a known worker: a worker whose exit came before its
// zygote's answer (found by the pid it stored in its board slot), or an orphan reparented here.
bool Supervisor::OnUnknownExit(const process::ExitInfo& info) {
  for (auto& slot : slots_) {
    if (!slot->spawning || board_->slot(slot->board_index).pid.load(std::memory_order_acquire) != info.pid)
      continue;
    zygote_->Forget(slot->board_index);
    slot->spawning = false;
    slot->pid = info.pid;
    OnExit(*slot, info);
    return true;
  }
  return false;
}

// Reads the board every kWatchPeriod: cheap (a few atomic loads per worker), and it costs the
// workers nothing, unlike a message per task. The hand-backs of one pass go to the courier as one
// job per courier and kind (one round trip), so that their cost does not grow with the tasks/s.
void Supervisor::Watch() {
  AdoptForked();
  std::map<std::pair<RedisCourier*, PluginKind>, std::vector<Slot*>> hand_back;
  for (auto& slot : slots_) {
    if (slot->pid > 0 && WatchRun(*slot)) hand_back[{slot->courier.get(), slot->kind}].push_back(slot.get());
  }
  for (auto& [key, slots] : hand_back) HandBack(slots);
  watch_.expires_after(kWatchPeriod);
  watch_.async_wait([this](boost::system::error_code ec) {
    if (!ec) Watch();
  });
}

// Time limits of the slot's run; true when its prefetched task is to be handed back.
bool Supervisor::WatchRun(Slot& slot) {
  BoardSlot& b = board_->slot(slot.board_index);
  uint64_t seq = b.run_seq.load(std::memory_order_acquire);
  if (seq % 2 == 0) return false;  // not running
  if (seq != slot.seen_run) {
    slot.seen_run = seq;
    slot.handed_back = false;
    slot.task_id = ReadTaskId(b);
    slot.time_limit_ms = b.time_limit_ms.load(std::memory_order_relaxed);
  }
  int64_t ran_ms = MonotonicMs() - b.run_started_ms.load(std::memory_order_relaxed);
  if (ran_ms >= slot.time_limit_ms && !slot.timed_out) OnDeadline(slot);
  if (ran_ms >= kPrefetchHoldMs && !slot.handed_back && b.prefetched.load(std::memory_order_relaxed) != 0) {
    slot.handed_back = true;
    return true;
  }
  return false;
}

// One hand-back job for `slots` (of one courier and kind). A task that did not move (the queue
// held others: no worker waits for one) is asked for again at the next pass, while its run lasts.
void Supervisor::HandBack(const std::vector<Slot*>& slots) {
  struct Asked {
    Slot* slot;
    std::string worker_id;
    uint64_t run;
    std::string task_id;  // the running task, for the log
  };
  std::vector<std::string> ids;
  std::vector<Asked> asked;
  for (Slot* slot : slots) {
    ids.push_back(slot->worker_id);
    asked.push_back({slot, slot->worker_id, slot->seen_run, slot->task_id});
  }
  PluginKind kind = slots.front()->kind;
  slots.front()->courier->Submit(
      Job(CourierJob::Op::kHandBack, kind, std::move(ids)),
      [this, kind, asked = std::move(asked)](const CourierReply& r) {
        if (!r.status.ok()) log_->warn("{}", r.status.ToString());
        size_t next = 0;  // r.texts: the workers whose task moved, in the order asked
        for (const Asked& a : asked) {
          if (r.status.ok() && next < r.texts.size() && r.texts[next] == a.worker_id) {
            ++next;
            metrics_.HandedBack(kind);
            log_->debug("worker {}: its prefetched task went back to the queue (task {} runs long)",
                        a.worker_id, a.task_id);
          } else if (a.slot->worker_id == a.worker_id && a.slot->seen_run == a.run) {
            a.slot->handed_back = false;  // the same run still: asked again at the next pass
          }
        }
      });
}

void Supervisor::Fold() {
  for (auto& slot : slots_) metrics_.Fold(slot->kind, board_->slot(slot->board_index), slot->folded);
}

void Supervisor::OnDeadline(Slot& slot) {
  if (slot.timed_out) {
    // The grace after SIGTERM ran out.
    (void)process::SendSignal(slot.pid, SIGKILL);
    return;
  }
  slot.timed_out = true;
  log_->warn("worker {}: task {} outlasted its time limit of {} ms: killing it", slot.worker_id, slot.task_id,
             slot.time_limit_ms);
  (void)process::SendSignal(slot.pid, SIGTERM);
  slot.kill.expires_after(milliseconds(options_.kill_grace_ms));
  slot.kill.async_wait([this, &slot, pid = slot.pid](boost::system::error_code ec) {
    if (!ec && slot.pid == pid) OnDeadline(slot);
  });
}

void Supervisor::OnExit(Slot& slot, const process::ExitInfo& info) {
  slot.kill.cancel();
  BoardSlot& b = board_->slot(slot.board_index);
  metrics_.Fold(slot.kind, b, slot.folded);
  bool in_run = b.run_seq.load(std::memory_order_acquire) % 2 == 1;
  if (in_run) slot.task_id = ReadTaskId(b);
  // Its own run deadline (process::KillTimer) killed it: e.g. the whole agent was stopped.
  bool own_deadline = !slot.timed_out && in_run && info.signaled && info.signal == SIGKILL &&
                      process::KillTimer::NowMs() >= b.deadline_ms.load(std::memory_order_relaxed);
  bool timeout = slot.timed_out || own_deadline;
  std::string status = timeout ? "timeout" : "crashed";
  std::string error = slot.timed_out
                          ? "killed after its time limit of " + std::to_string(slot.time_limit_ms) + " ms"
                      : own_deadline ? "killed at its own deadline (its time limit of " +
                                           std::to_string(b.time_limit_ms.load(std::memory_order_relaxed)) +
                                           " ms, or the end of its lock's lifetime if sooner)"
                      : killed_at_shutdown_ ? "killed at agent shutdown after shutdown_grace_s"
                                            : "the worker process ended: " + info.Describe();
  if (!timeout && info.signaled && info.signal == SIGXCPU)
    error += " (the run passed its CPU limit: [limits] cpu_s of the plugin file or [agent] worker_cpu_s)";
  if (!slot.courier) slot.courier = courier_;
  // Killed at shutdown is no fault of the plugin's. Before the reap: it finds the plugin by the
  // worker's task, which the reap ends (the courier does jobs in order).
  if (!killed_at_shutdown_ && DiedImporting(board_->slot(slot.board_index))) QuarantinePlugin(slot, error);
  slot.courier->Submit(Job(CourierJob::Op::kReap, slot.kind, {slot.worker_id}, 0, status, error),
                       [this, kind = slot.kind, id = slot.worker_id, task = slot.task_id, status,
                        error](const CourierReply& r) {
                         if (!r.status.ok()) {
                           log_->error("worker {}: cannot hand back its task (a reaper will): {}", id,
                                       r.status.ToString());
                         } else {
                           if (r.b > 0) metrics_.Finished(kind, status);
                           if (r.c > 0) metrics_.Requeued(kind, static_cast<int>(r.c));
                           if (r.b > 0)
                             log_->warn("worker {}: task {} recorded {}: {}", id, task, status, error);
                         }
                         MaybeStop();
                       });
  slot.courier.reset();
  bool clean = info.Clean() && !timeout;
  (clean ? log_->info("worker {} (pid {}) exited: {}", slot.worker_id, slot.pid, info.Describe())
         : log_->warn("worker {} (pid {}) died: {}", slot.worker_id, slot.pid, info.Describe()));
  slot.pid = -1;
  if (stopping_) return MaybeStop();
  metrics_.WorkerRestarted(slot.kind, clean ? (slot.stop_reason.empty() ? "recycled" : slot.stop_reason)
                                            : (timeout ? "timeout" : "crashed"));
  ScheduleRestart(slot, clean);
}

// The worker died while importing a plugin's code (a module that crashes the interpreter, or an
// import killed at the time limit): the whole plugin is quarantined, else every task of it would
// kill a worker in turn.
void Supervisor::QuarantinePlugin(Slot& slot, const std::string& error) {
  slot.courier->Submit(
      Job(CourierJob::Op::kQuarantinePlugin, slot.kind, {slot.worker_id}, 0, "",
          "importing its code: " + error),
      [this, id = slot.worker_id, task = slot.task_id](const CourierReply& r) {
        if (!r.status.ok()) {
          log_->error("worker {}: died importing a plugin, which cannot be quarantined now: {}", id,
                      r.status.ToString());
        } else if (r.a == 1 && !r.texts.empty()) {
          log_->error("worker {}: died importing plugin {} (task {}): the plugin is quarantined as a whole",
                      id, r.texts[0], task);
        }
      });
}

// Every few ticks: the quarantined and stale pairs per plugin, for /metrics.
void Supervisor::ReportHealth() {
  for (PluginKind kind : options_.kinds) {
    if (courier_->HasPending(CourierJob::Op::kHealthReport, kind)) continue;
    courier_->Submit(Job(CourierJob::Op::kHealthReport, kind, {}), [this, kind](const CourierReply& r) {
      if (!r.status.ok() || r.texts.size() % 4 != 0) {
        log_->warn("health report: {}", r.status.ok() ? "a malformed reply" : r.status.ToString());
        return;
      }
      std::vector<PluginHealth> rows;
      for (size_t i = 0; i + 3 < r.texts.size(); i += 4) {
        PluginHealth h;
        h.plugin = r.texts[i];
        h.quarantined_pairs = std::strtoll(r.texts[i + 1].c_str(), nullptr, 10);
        h.quarantined = r.texts[i + 2] == "1";
        h.stale_pairs = std::strtoll(r.texts[i + 3].c_str(), nullptr, 10);
        rows.push_back(std::move(h));
      }
      metrics_.SetHealth(kind, rows);
    });
  }
}

void Supervisor::ScheduleRestart(Slot& slot, bool clean) {
  bool early = Clock::now() - slot.started_at < std::chrono::seconds(5);
  slot.quick_deaths = clean ? 0 : (early ? slot.quick_deaths + 1 : 0);
  // The first death restarts at once; a worker that keeps dying early backs off up to 10 s.
  int delay_ms = slot.quick_deaths <= 1 ? 0 : std::min(10000, 100 << std::min(slot.quick_deaths - 2, 7));
  slot.stop_reason.clear();
  slot.restart.expires_after(milliseconds(delay_ms));
  slot.restart.async_wait([this, &slot](boost::system::error_code ec) {
    if (!ec && !stopping_ && slot.pid < 0 && !slot.spawning) Spawn(slot);
  });
}

void Supervisor::Tell(Slot& slot, const std::string& reason) {
  if (slot.pid < 0 || slot.stopping) return;
  slot.stopping = true;
  slot.stop_reason = reason;
  board_->slot(slot.board_index).stop.store(1, std::memory_order_relaxed);
}

void Supervisor::AwaitSignal() {
  signals_.async_wait([this](boost::system::error_code ec, int sig) {
    if (ec) return;
    OnSignal(sig);
    AwaitSignal();
  });
}

void Supervisor::OnSignal(int sig) {
  if (sig == SIGCHLD) {
    for (const process::ExitInfo& info : process::ReapExited()) {
      if (zygote_->OnExit(info) || (courier_ && courier_->OnExit(info))) continue;
      bool retired = false;
      for (auto& r : retired_) retired = retired || r.courier->OnExit(info);
      if (retired) continue;
      bool known = false;
      for (auto& slot : slots_) {
        if (slot->pid == info.pid) {
          known = true;
          OnExit(*slot, info);
        }
      }
      if (!known) OnUnknownExit(info);
    }
    MaybeStop();
  } else if (sig == SIGHUP) {
    Reload();
  } else {
    BeginShutdown();
  }
}

void Supervisor::BeginShutdown() {
  if (stopping_) return;
  stopping_ = true;
  log_->info("stopping: workers finish their runs (at most {} s)", site_.agent.shutdown_grace_s);
  (void)notifier_.Stopping();
  for (size_t index : zygote_->Stop()) slots_.at(index)->spawning = false;  // never asked of a zygote
  for (auto& slot : slots_) {
    slot->restart.cancel();
    if (slot->spawning) board_->slot(slot->board_index).stop.store(1, std::memory_order_relaxed);
    Tell(*slot, "shutdown");
  }
  shutdown_.expires_after(std::chrono::seconds(site_.agent.shutdown_grace_s));
  shutdown_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    killed_at_shutdown_ = true;
    for (auto& slot : slots_) {
      if (slot->pid > 0) (void)process::SendSignal(slot->pid, SIGKILL);
    }
  });
  MaybeStop();
}

// At shutdown, once every worker is gone: stops when the Redis jobs (the workers' reaps) are done,
// or kDrainAfterCloseMs later (the couriers then keep trying that long on their own).
void Supervisor::MaybeStop() {
  if (!stopping_ || Remaining() > 0) return;
  size_t jobs = courier_->pending();
  for (const auto& r : retired_) jobs += r.courier->pending();
  if (jobs == 0) return io_.stop();
  if (draining_) return;
  draining_ = true;
  log_->info("stopping: waiting for {} Redis job(s) of the workers (at most {} ms)", jobs,
             kDrainAfterCloseMs);
  drain_.expires_after(milliseconds(kDrainAfterCloseMs));
  drain_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    log_->error("stopping with Redis jobs not done: Redis did not answer within {} ms", kDrainAfterCloseMs);
    io_.stop();
  });
}

void Supervisor::Reload() {
  (void)notifier_.Reloading();
  auto loaded = config::LoadSiteConfig(options_.config_path);
  if (!loaded.ok()) {
    log_->error("SIGHUP: keeping the current config: {}", loaded.status().ToString());
  } else {
    for (const auto& w : loaded->warnings) log_->warn("{}", w);
    RedisConfig running = site_.redis;
    if (loaded->config.agent.user != site_.agent.user || loaded->config.agent.group != site_.agent.group ||
        !(loaded->config.http.agent_listen == site_.http.agent_listen)) {
      log_->warn(
          "SIGHUP: [agent] user/group or [http] agent_listen changed in {}; it takes effect at the next "
          "start",
          options_.config_path);
    }
    site_ = loaded->config;
    if (!(site_.redis == running)) MoveRedis(running);

    log_->info("SIGHUP: config {} reloaded; replacing the zygote and the workers", options_.config_path);
    ++config_epoch_;
    zygote_->Restart();
    for (auto& slot : slots_) Tell(*slot, "reload");
  }
  (void)notifier_.Ready();
}

// Workers running or being forked: the shutdown ends when none is left.
int Supervisor::Remaining() const {
  int n = 0;
  for (const auto& slot : slots_) n += (slot->pid > 0 || slot->spawning);
  return n;
}

// [redis] changed: new workers and the supervisor's new work go to the new server through a new
// courier; the old courier keeps serving the workers started before (their heartbeats, hand-backs
// and reaps belong to the server their tasks are in) until they are gone and its jobs are done.
void Supervisor::MoveRedis(const RedisConfig& running) {
  redis::MasterSignal* signal = FreeMasterSignal();
  auto next = std::make_shared<RedisCourier>(io_, site_.redis, signal);
  Status st = next->Start();
  if (!st.ok()) {
    log_->error("SIGHUP: [redis] changed, but its courier cannot start: {}; staying on {}:{}", st.ToString(),
                running.host, running.port);
    site_.redis = running;
    return;
  }
  log_->info(
      "SIGHUP: [redis] changed: moving to {}:{} (db {}, prefix {}); the running workers finish on {}:{}",
      site_.redis.host, site_.redis.port, site_.redis.db, site_.redis.key_prefix, running.host, running.port);
  retired_.push_back({courier_, Clock::now()});
  courier_ = std::move(next);
  redis::SetMasterSignal(signal);  // for the zygote forked next, and so its workers
}

// The board's MasterSignal for a new Redis configuration, cleared: one that no courier holds and no
// watch has written for two staleness periods (a closed courier's process stops its watch when it
// sees the close, which may take a moment), taken round the board after the current one's, so
// that a freed signal is the last to be used again. With every one still held (more [redis]
// changes than kMasterSignals - 1 while old workers run), the current courier's is shared.
redis::MasterSignal* Supervisor::FreeMasterSignal() {
  auto& all = board_->shared().masters;
  auto held = [this](const redis::MasterSignal* s) {
    bool used = courier_->master_signal() == s;
    for (const auto& r : retired_) used = used || r.courier->master_signal() == s;
    return used;
  };
  size_t current = static_cast<size_t>(courier_->master_signal() - all.data());
  int64_t quiet_since = redis::MonotonicMs() - 2 * redis::kStaleAfterMs;
  redis::MasterSignal* idle = nullptr;
  for (size_t i = 1; i < all.size(); ++i) {
    redis::MasterSignal* s = &all[(current + i) % all.size()];
    if (held(s)) continue;
    if (s->fresh_ms.load(std::memory_order_acquire) < quiet_since) {
      s->Clear();
      return s;
    }
    if (!idle) idle = s;
  }
  if (idle) {
    log_->warn(
        "SIGHUP: [redis] changed again within {} ms: the old courier's failover watch may still be stopping",
        2 * redis::kStaleAfterMs);
    idle->Clear();
    return idle;
  }
  log_->warn(
      "SIGHUP: [redis] changed while {} older configurations still serve workers: their couriers share the "
      "failover signal of the last one (a needless pause or reconnect is possible)",
      retired_.size());
  return courier_->master_signal();
}

// Drops the old couriers whose workers are gone and whose jobs are done (or that could not finish
// them within kDrainAfterCloseMs of their last worker's end: their process keeps trying that long).
void Supervisor::PruneRetired() {
  for (auto it = retired_.begin(); it != retired_.end();) {
    bool used = false;
    for (const auto& slot : slots_) used = used || slot->courier == it->courier;
    if (used) it->since = Clock::now();
    bool stuck = Clock::now() - it->since > milliseconds(kDrainAfterCloseMs);
    if (used || (it->courier->pending() > 0 && !stuck)) {
      ++it;
      continue;
    }
    if (it->courier->pending() > 0)
      log_->error(
          "the previous Redis ({}:{}) did not take {} job(s) of the old workers: leaving them to its reapers",
          it->courier->redis().host, it->courier->redis().port, it->courier->pending());
    else
      log_->info("the old workers are gone: done with {}:{}", it->courier->redis().host,
                 it->courier->redis().port);
    it = retired_.erase(it);
  }
}

int Supervisor::Alive(PluginKind kind) const {
  int n = 0;
  for (const auto& slot : slots_) n += (slot->kind == kind && slot->pid > 0);
  return n;
}

std::vector<std::string> Supervisor::WorkersOf(const RedisCourier& courier, PluginKind kind) const {
  std::vector<std::string> ids;
  for (const auto& slot : slots_) {
    if (slot->pid > 0 && slot->kind == kind && slot->courier.get() == &courier)
      ids.push_back(slot->worker_id);
  }
  return ids;
}

// One heartbeat per courier and kind, skipped while the previous one waits for Redis (a backlog
// of heartbeats would only say the same thing later).
void Supervisor::Heartbeat() {
  for (PluginKind kind : options_.kinds) {
    if (!courier_->HasPending(CourierJob::Op::kHeartbeat, kind)) {
      courier_->Submit(
          Job(CourierJob::Op::kHeartbeat, kind, WorkersOf(*courier_, kind), site_.agent.heartbeat_ttl_ms),
          [this, kind](const CourierReply& r) { HeartbeatDone(kind, r); });
    }
    for (const auto& old : retired_) {
      auto ids = WorkersOf(*old.courier, kind);
      if (ids.empty() || old.courier->HasPending(CourierJob::Op::kHeartbeat, kind)) continue;
      old.courier->Submit(Job(CourierJob::Op::kHeartbeat, kind, std::move(ids), site_.agent.heartbeat_ttl_ms),
                          [this](const CourierReply& r) {
                            if (!r.status.ok())
                              log_->warn("heartbeat (previous Redis): {}", r.status.ToString());
                          });
    }
  }
}

void Supervisor::HeartbeatDone(PluginKind kind, const CourierReply& r) {
  if (!r.status.ok()) {
    if (redis_problem_.empty()) log_->warn("heartbeat: {}", r.status.ToString());
    redis_problem_ = "redis unreachable: " + r.status.message();
    return;
  }
  metrics_.SetQueueDepth(kind, r.a, r.b);
  if (!redis_problem_.empty()) log_->info("heartbeat: Redis reachable again");
  redis_problem_.clear();
}

// /healthz fails while the supervisor's Redis work waits longer than a call may take.
void Supervisor::CheckRedisBacklog() {
  auto waited = courier_->OldestPending();
  if (waited.count() <= site_.redis.io_timeout_ms) return;
  if (redis_problem_.empty()) log_->warn("Redis has not answered for {} ms", waited.count());
  redis_problem_ = "redis not answering: " + std::to_string(courier_->pending()) + " job(s) waiting for " +
                   std::to_string(waited.count()) + " ms";
}

void Supervisor::CheckRss() {
  int64_t limit = static_cast<int64_t>(site_.agent.max_worker_rss_mb) * 1024 * 1024;
  for (auto& slot : slots_) {
    if (slot->pid < 0 || slot->stopping) continue;
    auto rss = process::RssBytes(slot->pid);
    if (rss.ok() && *rss > limit) {
      log_->info("worker {}: RSS {} MB past max_worker_rss_mb {}: recycling", slot->worker_id, *rss >> 20,
                 site_.agent.max_worker_rss_mb);
      Tell(*slot, "rss");
    }
  }
}

void Supervisor::Tick() {
  ++ticks_;
  Heartbeat();
  CheckRedisBacklog();
  PruneRetired();
  CheckRss();
  for (PluginKind kind : options_.kinds) metrics_.SetWorkersAlive(kind, Alive(kind));
  int reap_every = std::max(1, site_.agent.heartbeat_ttl_ms / 2 / site_.agent.heartbeat_interval_ms);
  if (!stopping_ && redis_problem_.empty() && ticks_ % reap_every == 0) {
    for (PluginKind kind : options_.kinds) {
      if (courier_->HasPending(CourierJob::Op::kReapDead, kind)) continue;
      courier_->Submit(Job(CourierJob::Op::kReapDead, kind, {}), [this, kind](const CourierReply& r) {
        if (r.c > 0) metrics_.Requeued(kind, static_cast<int>(r.c));
        if (r.b > 0) metrics_.Finished(kind, "timeout");
      });
    }
    ReportHealth();
  }
  if (notifier_.watchdog_period() && Clock::now() - last_watchdog_ >= *notifier_.watchdog_period()) {
    (void)notifier_.Watchdog();
    last_watchdog_ = Clock::now();
  }
  tick_.expires_after(milliseconds(site_.agent.heartbeat_interval_ms));
  tick_.async_wait([this](boost::system::error_code ec) {
    if (!ec) Tick();
  });
}

// /metrics and /healthz; false (logged) when the listener cannot be set up.
bool Supervisor::Listen() {
  const HostPort& listen = site_.http.agent_listen;
  if (listen.port == 0) return true;
  auto server = http::Server::Listen(io_, listen,
                                     {[this] {
                                        AdoptForked();
                                        Fold();
                                        return metrics_.Render();
                                      },
                                      [this]() -> std::optional<std::string> {
                                        if (redis_problem_.empty()) return std::nullopt;
                                        return redis_problem_;
                                      }});
  if (!server.ok()) {
    log_->critical("{}", server.status().ToString());
    return false;
  }
  http_ = std::move(server).value();
  log_->info("serving /metrics and /healthz on {}:{}", listen.host, http_->port());
  return true;
}

// [agent] user/group: after what needs root (the listener, the secret files read with the config),
// before any process is forked, so that the zygote, its workers and the courier inherit it.
bool Supervisor::DropPrivileges() {
  const AgentConfig& a = site_.agent;
  if (a.user.empty() && a.group.empty()) return true;
  auto who = process::ResolveIdentity(
      a.user, a.group,
      std::string(a.user.empty() ? "[agent] group" : "[agent] user") + " in " + options_.config_path);
  Status st = who.ok() ? process::DropPrivileges(*who) : who.status();
  if (!st.ok()) {
    log_->critical("cannot drop privileges ([agent] user = '{}', group = '{}'): {}", a.user, a.group,
                   st.message());
    return false;
  }
  log_->info("running as user {} (uid {}), group {} (gid {})", a.user.empty() ? "(unchanged)" : a.user,
             who->uid, a.group.empty() ? "(the user's)" : a.group, who->gid);
  return true;
}

int Supervisor::Run() {
  host_tag_ = HostTag();
  // A write to a zygote that just died (or to a Redis that closed its socket) is an error value,
  // not a kill. Its children get the default back (process::ResetSignalsInChild).
  signal(SIGPIPE, SIG_IGN);
  // Signals first (blocked from delivery into the default action), then the workers.
  signals_.add(SIGCHLD);
  signals_.add(SIGTERM);
  signals_.add(SIGINT);
  signals_.add(SIGHUP);
  int per_kind = options_.workers > 0 ? options_.workers : site_.agent.workers;
  auto board = Board::Create(static_cast<size_t>(per_kind) * options_.kinds.size());
  if (!board.ok()) {
    log_->critical("{}", board.status().ToString());
    return 1;
  }
  board_ = std::move(board).value();
  // Inherited by the zygote and the workers (which follow it); the courier's watch writes it.
  redis::SetMasterSignal(&board_->shared().masters[0]);
  if (!Listen() || !DropPrivileges()) return 1;
  courier_ = std::make_shared<RedisCourier>(io_, site_.redis, &board_->shared().masters[0]);
  if (Status st = courier_->Start(); !st.ok()) {
    log_->critical("cannot start the redis courier: {}", st.ToString());
    return 1;
  }
  for (PluginKind kind : options_.kinds) {
    for (int i = 0; i < per_kind; ++i) slots_.push_back(std::make_unique<Slot>(io_, kind, i, slots_.size()));
  }
  zygote_ = std::make_unique<ZygoteLink>(
      io_, *board_,
      ZygoteLink::Hooks{[this](int fd) { return StartZygote(fd); },
                        [this](size_t index, pid_t pid) { OnStarted(index, pid); }});
  zygote_->Start();
  for (auto& slot : slots_) Spawn(*slot);
  AwaitSignal();
  Watch();
  Tick();
  (void)notifier_.Ready();
  io_.run();
  // Closing the couriers lets their processes finish and exit; the handlers they leave end here
  // (not the signal handler: it needs the couriers).
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  for (auto& slot : slots_) slot->courier.reset();
  courier_.reset();
  retired_.clear();
  io_.restart();
  io_.poll();
  log_->info("stopped");
  return 0;
}

}  // namespace

int RunAgent(const AgentOptions& options) {
  try {
    Supervisor supervisor(options);
    return supervisor.Run();
  } catch (const std::exception& e) {
    core::Logger("agent")->critical("agent supervisor failed: {}", e.what());
    return 1;
  }
}

}  // namespace panoptes::agent
