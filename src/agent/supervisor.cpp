#include "agent/supervisor.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <utility>  // before Asio: boost 1.74 awaitable.hpp needs std::exchange

#include <boost/asio.hpp>

#include "agent/agent_metrics.h"
#include "agent/board.h"
#include "agent/reaper.h"
#include "agent/redis_task_queue.h"
#include "agent/worker.h"
#include "agent/zygote.h"
#include "agent/zygote_link.h"
#include "config/site_config.h"
#include "core/logging.h"
#include "http/server.h"
#include "process/kill_timer.h"
#include "process/notify.h"
#include "process/process.h"
#include "redis/client.h"
#include "redis/keys.h"

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
  bool handed_back = false;  // the prefetched task of the current run went back to the queue
  bool timed_out = false;    // the supervisor killed it for its time limit
  bool stopping = false;     // told to stop: recycle, reload or shutdown
  bool spawning = false;     // asked of the zygote, not answered yet
  uint64_t spawn_epoch = 0;  // the config epoch it was asked under
  std::string stop_reason;
  std::string task_id;
  int64_t time_limit_ms = 0;
  Clock::time_point started_at;
  int quick_deaths = 0;
  BoardCounts folded;  // the board counters already in the metrics
};

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
        redis_(o.site.redis, "agent-supervisor") {}
  int Run();

 private:
  void Spawn(Slot& slot);
  Result<pid_t> StartZygote(int fd);
  void OnStarted(size_t board_index, pid_t pid);
  bool OnUnknownExit(const process::ExitInfo& info);
  void AdoptForked();
  int Remaining() const;
  void Watch();
  void WatchRun(Slot& slot);
  void Fold();
  void OnDeadline(Slot& slot);
  void OnExit(Slot& slot, const process::ExitInfo& info);
  void ScheduleRestart(Slot& slot, bool clean);
  void QuarantinePlugin(Slot& slot, const std::string& error);
  void ReportHealth();
  void AwaitSignal();
  void OnSignal(int sig);
  void BeginShutdown();
  void Reload();
  void Tell(Slot& slot, const std::string& reason);
  void Tick();
  void Heartbeat();
  void CheckRss();
  int Alive(PluginKind kind) const;
  TaskQueue& QueueOf(PluginKind kind) { return *queues_.at(kind); }

  const AgentOptions& options_;
  SiteConfig site_;
  std::shared_ptr<spdlog::logger> log_;
  asio::io_context io_;
  asio::signal_set signals_;
  asio::steady_timer tick_;
  asio::steady_timer watch_;
  asio::steady_timer shutdown_;
  redis::Client redis_;
  std::map<PluginKind, std::unique_ptr<TaskQueue>> queues_;  // over redis_
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
    if (stopping_) {
      if (Remaining() == 0) io_.stop();
      return;
    }
    log_->error("worker {}: the zygote could not fork it: {}", slot.worker_id, std::strerror(-pid));
    return ScheduleRestart(slot, false);
  }
  slot.pid = pid;
  slot.timed_out = slot.stopping = slot.handed_back = false;
  // Registered at once so that a reaper can find its in-flight list should this host die.
  auto reg = QueueOf(slot.kind).Heartbeat({slot.worker_id}, site_.agent.heartbeat_ttl_ms);
  if (!reg.ok()) log_->warn("worker {}: cannot register: {}", slot.worker_id, reg.status().ToString());
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
// workers nothing, unlike a message per task.
void Supervisor::Watch() {
  AdoptForked();
  for (auto& slot : slots_) {
    if (slot->pid > 0) WatchRun(*slot);
  }
  watch_.expires_after(kWatchPeriod);
  watch_.async_wait([this](boost::system::error_code ec) {
    if (!ec) Watch();
  });
}

void Supervisor::WatchRun(Slot& slot) {
  BoardSlot& b = board_->slot(slot.board_index);
  uint64_t seq = b.run_seq.load(std::memory_order_acquire);
  if (seq % 2 == 0) return;  // not running
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
    auto moved = QueueOf(slot.kind).HandBack(slot.worker_id);
    if (!moved.ok()) {
      log_->warn("worker {}: {}", slot.worker_id, moved.status().ToString());
    } else if (*moved) {
      metrics_.HandedBack(slot.kind);
      log_->debug("worker {}: its prefetched task went back to the queue (task {} runs long)", slot.worker_id,
                  slot.task_id);
    }
  }
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
  // Killed at shutdown is no fault of the plugin's.
  if (!killed_at_shutdown_ && DiedImporting(board_->slot(slot.board_index))) QuarantinePlugin(slot, error);
  auto reaped = QueueOf(slot.kind).Reap(slot.worker_id, status, error, false);
  if (!reaped.ok()) {
    log_->error("worker {}: cannot hand back its task now (a reaper will): {}", slot.worker_id,
                reaped.status().ToString());
  } else {
    if (reaped->started > 0) metrics_.Finished(slot.kind, status);
    if (reaped->requeued > 0) metrics_.Requeued(slot.kind, reaped->requeued);
    if (reaped->started > 0)
      log_->warn("worker {}: task {} recorded {}: {}", slot.worker_id, slot.task_id, status, error);
  }
  bool clean = info.Clean() && !timeout;
  (clean ? log_->info("worker {} (pid {}) exited: {}", slot.worker_id, slot.pid, info.Describe())
         : log_->warn("worker {} (pid {}) died: {}", slot.worker_id, slot.pid, info.Describe()));
  slot.pid = -1;
  if (stopping_) {
    if (Remaining() == 0) io_.stop();
    return;
  }
  metrics_.WorkerRestarted(slot.kind, clean ? (slot.stop_reason.empty() ? "recycled" : slot.stop_reason)
                                            : (timeout ? "timeout" : "crashed"));
  ScheduleRestart(slot, clean);
}

// The worker died while importing a plugin's code (a module that crashes the interpreter, or an
// import killed at the time limit): the whole plugin is quarantined, else every task of it would
// kill a worker in turn.
void Supervisor::QuarantinePlugin(Slot& slot, const std::string& error) {
  auto name = QueueOf(slot.kind).QuarantinePlugin(slot.worker_id, "importing its code: " + error);
  if (!name.ok()) {
    log_->error("worker {}: died importing a plugin, which cannot be quarantined now: {}", slot.worker_id,
                name.status().ToString());
  } else if (*name) {
    log_->error("worker {}: died importing plugin {} (task {}): the plugin is quarantined as a whole",
                slot.worker_id, **name, slot.task_id);
  }
}

// Every few ticks: the quarantined and stale pairs per plugin, for /metrics.
void Supervisor::ReportHealth() {
  for (PluginKind kind : options_.kinds) {
    auto rows = QueueOf(kind).HealthReport();
    if (!rows.ok()) {
      log_->warn("health report: {}", rows.status().ToString());
      return;
    }
    metrics_.SetHealth(kind, *rows);
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
      if (zygote_->OnExit(info)) continue;
      bool known = false;
      for (auto& slot : slots_) {
        if (slot->pid == info.pid) {
          known = true;
          OnExit(*slot, info);
        }
      }
      if (!known) OnUnknownExit(info);
    }
    if (stopping_ && Remaining() == 0) io_.stop();
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
  if (Remaining() == 0) io_.stop();
}

void Supervisor::Reload() {
  (void)notifier_.Reloading();
  auto loaded = config::LoadSiteConfig(options_.config_path);
  if (!loaded.ok()) {
    log_->error("SIGHUP: keeping the current config: {}", loaded.status().ToString());
  } else {
    for (const auto& w : loaded->warnings) log_->warn("{}", w);
    site_ = loaded->config;
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

int Supervisor::Alive(PluginKind kind) const {
  int n = 0;
  for (const auto& slot : slots_) n += (slot->kind == kind && slot->pid > 0);
  return n;
}

void Supervisor::Heartbeat() {
  for (PluginKind kind : options_.kinds) {
    std::vector<std::string> ids;
    for (const auto& slot : slots_) {
      if (slot->pid > 0 && slot->kind == kind) ids.push_back(slot->worker_id);
    }
    auto depth = QueueOf(kind).Heartbeat(ids, site_.agent.heartbeat_ttl_ms);
    if (!depth.ok()) {
      if (redis_problem_.empty()) log_->warn("heartbeat: {}", depth.status().ToString());
      redis_problem_ = "redis unreachable: " + depth.status().message();
      return;
    }
    metrics_.SetQueueDepth(kind, depth->tasks, depth->deadletter);
  }
  if (!redis_problem_.empty()) log_->info("heartbeat: Redis reachable again");
  redis_problem_.clear();
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
  CheckRss();
  for (PluginKind kind : options_.kinds) metrics_.SetWorkersAlive(kind, Alive(kind));
  int reap_every = std::max(1, site_.agent.heartbeat_ttl_ms / 2 / site_.agent.heartbeat_interval_ms);
  if (!stopping_ && redis_problem_.empty() && ticks_ % reap_every == 0) {
    for (PluginKind kind : options_.kinds) {
      ReapStats stats = ReapDeadWorkers(QueueOf(kind));
      if (stats.requeued > 0) metrics_.Requeued(kind, stats.requeued);
      if (stats.started > 0) metrics_.Finished(kind, "timeout");
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
  for (PluginKind kind : options_.kinds) {
    queues_[kind] = std::make_unique<RedisTaskQueue>(redis_, site_.redis.key_prefix, kind);
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
  const HostPort& listen = site_.http.agent_listen;
  if (listen.port != 0) {
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
      log_->error("{}", server.status().ToString());
      BeginShutdown();
    } else {
      http_ = std::move(server).value();
      log_->info("serving /metrics and /healthz on {}:{}", listen.host, http_->port());
    }
  }
  Tick();
  (void)notifier_.Ready();
  io_.run();
  log_->info("stopped");
  return http_ || listen.port == 0 ? 0 : 1;
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
