#include "agent/worker.h"

#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <random>

#include "agent/board.h"
#include "agent/file_watch.h"
#include "agent/outputs.h"
#include "agent/redis_task_queue.h"
#include "agent/task_parts.h"
#include "config/plugin_file.h"
#include "core/logging.h"
#include "model/identity.h"
#include "model/json.h"
#include "plugin/redis_services.h"
#include "python/host.h"
#include "redis/client.h"
#include "redis/keys.h"
#include "resources/store.h"

namespace panoptes::agent {
namespace {

// Signal handler state: the only globals, as a handler can reach nothing else.
std::atomic<bool> g_stop{false};
std::atomic<bool> g_in_run{false};

void OnTerm(int) {
  if (g_in_run.load()) _exit(kWorkerExitKilledInRun);
  g_stop.store(true);
}

// The supervisor died (PR_SET_PDEATHSIG): finish the current task, then exit.
void OnParentDeath(int) {
  g_stop.store(true);
}

void SleepMs(int ms) {
  timespec t{ms / 1000, (ms % 1000) * 1'000'000L};
  nanosleep(&t, nullptr);
}

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string RandomToken() {
  static std::mt19937_64 rng(std::random_device{}() ^ static_cast<uint64_t>(getpid()));
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return buf;
}

// context.enrichment served from what the guard script fetched (no extra round trip).
class PrefetchedEnrichment : public EnrichmentSource {
 public:
  std::map<std::pair<std::string, std::string>, std::optional<std::string>> values;
  Result<std::optional<std::string>> Fetch(const std::string& resource_id, const std::string& ns) override {
    auto it = values.find({resource_id, ns});
    return it == values.end() ? std::optional<std::string>() : it->second;
  }
};

// A validated task in flight whose guard has not run yet.
struct Prepared {
  std::string raw;
  Task task;
  std::shared_ptr<const PluginInfo> info;
  GuardPart guard;
  double time_limit = 0;
  std::vector<std::pair<std::string, std::string>> preload_ids;  // (resource id, namespace) per key
};

class Worker {
 public:
  explicit Worker(const WorkerOptions& o)
      : o_(o),
        prefix_(o.site.redis.key_prefix),
        log_(core::Logger("agent")),
        board_(o.board != nullptr ? *o.board : own_board_),
        client_(o.site.redis, "agent-worker"),
        queue_(client_, prefix_, o.kind),
        kv_(client_, prefix_),
        secrets_(client_, prefix_),
        store_(client_, prefix_) {}

  Status Start();
  int Loop();

 private:
  bool Step(std::optional<Prepared>& guarded, StepNext next);
  void Block();
  std::optional<Prepared> Prepare(const std::string& raw);
  void Run(Prepared& p, const StepReply& reply);
  FinishPart BuildFinish(const Prepared& p, const std::string& token, python::RunOutcome& outcome);
  void DeadLetter(const std::string& raw, const std::string& reason, const std::string& detail);
  using PluginMap = std::map<std::string, std::shared_ptr<const PluginInfo>>;  // by Name
  std::shared_ptr<const PluginInfo> FindPlugin(const std::string& name);
  bool Refresh(PluginMap::iterator it);
  void RefreshAll();
  void Rescan();
  bool StopRequested() const;
  bool MayTakeMore() const;
  template <typename F>
  bool Retry(const char* what, F&& call);

  const WorkerOptions& o_;
  std::string prefix_;
  std::shared_ptr<spdlog::logger> log_;
  BoardSlot own_board_;  // when run without a supervisor
  BoardSlot& board_;
  redis::Client client_;
  RedisTaskQueue queue_;
  plugin::RedisKvStore kv_;
  plugin::RedisSecretStore secrets_;
  resources::ResourceStore store_;
  std::unique_ptr<python::Interpreter> interpreter_;
  std::unique_ptr<python::PluginHost> host_;
  PluginMap plugins_;
  FileWatch files_;  // the plugins' files and modules
  std::chrono::steady_clock::time_point last_scan_;
  std::optional<FinishPart> finish_;  // the task that ran, to finish at the next step
  std::optional<Prepared> next_;      // the task in flight to guard at the next step
  int tasks_done_ = 0;                // tasks taken
  int idle_failures_ = 0;             // consecutive Redis failures while idle
  bool in_flight_empty_ = false;      // known from the last step: nothing in flight
};

Status Worker::Start() {
  struct sigaction sa {};
  sa.sa_handler = OnTerm;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sa.sa_handler = OnParentDeath;
  sigaction(SIGUSR2, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  auto interp = python::Interpreter::Start({o_.site.python.path});
  if (!interp.ok()) return interp.status();
  interpreter_ = std::move(interp).value();
  host_ = std::make_unique<python::PluginHost>(*interpreter_);
  Rescan();
  return Status::Ok();
}

void Worker::Rescan() {
  config::ScanResult scan = config::ScanPlugins(o_.site, o_.kind);
  for (const auto& e : scan.errors) log_->warn("worker {}: plugin {}: {}", o_.worker_id, e.file, e.reason);
  PluginMap fresh;
  for (auto& p : scan.plugins) {
    std::string name = p.name;  // before p is moved from
    fresh.emplace(std::move(name), std::make_shared<const PluginInfo>(std::move(p)));
  }
  for (const auto& [name, info] : plugins_) {
    auto it = fresh.find(name);
    if (it == fresh.end() || it->second->file != info->file) host_->Forget(info->file);
  }
  plugins_ = std::move(fresh);
  last_scan_ = std::chrono::steady_clock::now();
  // Watch the files, then look once more: an edit between the scan and the watch is not missed.
  files_.Reset();
  for (const auto& [name, info] : plugins_) {
    files_.Add(info->file);
    files_.Add(info->module_path);
  }
  RefreshAll();
}

namespace {

int64_t MtimeNs(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

}  // namespace

// Reloads the plugin at `it` if its file or module changed (two stat calls); false when it no
// longer loads under its name (the caller drops it).
bool Worker::Refresh(PluginMap::iterator it) {
  const PluginInfo& info = *it->second;
  if (MtimeNs(info.file) == info.file_mtime_ns && MtimeNs(info.module_path) == info.module_mtime_ns)
    return true;
  auto fresh = config::LoadPluginFile(info.file, o_.kind);
  if (!fresh.ok() || fresh->name != it->first) {
    log_->warn("worker {}: plugin {} changed and no longer loads as '{}': {}", o_.worker_id, info.file,
               it->first, fresh.ok() ? "renamed" : fresh.status().message());
    return false;
  }
  it->second = std::make_shared<const PluginInfo>(std::move(*fresh));
  files_.Add(it->second->file);  // a file replaced by rename is a new inode
  files_.Add(it->second->module_path);
  return true;
}

void Worker::RefreshAll() {
  for (auto it = plugins_.begin(); it != plugins_.end();) {
    it = Refresh(it) ? std::next(it) : plugins_.erase(it);
  }
}

std::shared_ptr<const PluginInfo> Worker::FindPlugin(const std::string& name) {
  // An edited plugin file or module takes effect at its next run. With the file watch that costs
  // one read of the inotify descriptor per task; without it, two stat calls.
  if (files_.active() && files_.Changed()) RefreshAll();
  auto it = plugins_.find(name);
  // An unknown name may be a plugin added since the last scan: rescan, at most once a second.
  if (it == plugins_.end() && std::chrono::steady_clock::now() - last_scan_ > std::chrono::seconds(1)) {
    Rescan();
    it = plugins_.find(name);
  }
  if (it == plugins_.end()) return nullptr;
  if (!files_.active() && !Refresh(it)) {
    plugins_.erase(it);
    return nullptr;
  }
  return it->second;
}

bool Worker::StopRequested() const {
  return g_stop.load() || board_.stop.load(std::memory_order_relaxed) != 0;
}

// Whether the worker may take one more task: not stopping, and below max_tasks_per_worker (tasks
// are counted when taken).
bool Worker::MayTakeMore() const {
  return !StopRequested() && tasks_done_ < o_.site.agent.max_tasks_per_worker;
}

int Worker::Loop() {
  while (true) {
    // A full rescan every plugin_scan_interval, busy or idle (plugins added or removed).
    if (std::chrono::steady_clock::now() - last_scan_ >
        std::chrono::seconds(o_.site.Kind(o_.kind).plugin_scan_interval)) {
      Rescan();
    }
    if (!finish_ && !next_) {
      if (MayTakeMore()) {
        Block();
        continue;
      }
      // Stopped or recycled: hand back anything still in flight (a reply was lost), then exit.
      std::optional<Prepared> none;
      Step(none, StepNext::kHandBack);
      return kWorkerExitOk;
    }
    // One round trip: finish the task that ran, guard the next one, prefetch the one after; when
    // stopping, finish and hand back what was prefetched instead of running it.
    std::optional<Prepared> guarded;
    StepNext next = StepNext::kHandBack;
    if (!StopRequested()) {
      guarded = std::move(next_);
      next = MayTakeMore() ? StepNext::kTake : StepNext::kNone;
    }
    next_.reset();
    Step(guarded, next);
  }
}

// Idle: nothing in hand. First make sure nothing is in flight already (a BLMOVE whose reply was
// lost), then block on the queue.
// Nothing is in hand here, so a Redis failure is retried for as long as it lasts.
void Worker::Block() {
  std::optional<Prepared> none;
  if (!in_flight_empty_ && (!Step(none, StepNext::kTake) || next_)) return;
  if (StopRequested()) return;
  auto reply = queue_.Take(o_.worker_id, std::chrono::milliseconds(o_.block_ms));
  if (!reply.ok()) {
    in_flight_empty_ = false;  // the move may have happened, its reply lost
    if (idle_failures_++ % 20 == 0) log_->warn("worker {}: {}", o_.worker_id, reply.status().ToString());
    SleepMs(250);
    return;
  }
  if (idle_failures_ > 0) log_->info("worker {}: Redis reachable again", o_.worker_id);
  idle_failures_ = 0;
  if (!*reply) return;
  in_flight_empty_ = false;
  ++tasks_done_;
  next_ = Prepare(**reply);
}

// One step: finish_ (if any), guard `guarded` (if any), then `next`. Runs the guarded task when its
// guard says so (leaving finish_ for the next step) and validates the task taken into next_.
// False when Redis could not be reached (nothing changed on our side; the caller loops).
bool Worker::Step(std::optional<Prepared>& guarded, StepNext next) {
  StepRequest req;
  req.finish = std::move(finish_);
  finish_.reset();
  if (guarded) req.guard = guarded->guard;
  req.next = next;
  req.metrics_maxlen = o_.site.agent.metrics_maxlen;
  StepReply reply;
  if (!req.finish && !req.guard) {
    // Nothing in hand: one attempt; the caller loops (and Block waits) while Redis is away.
    auto r = queue_.Step(o_.worker_id, req);
    if (!r.ok()) {
      if (idle_failures_++ % 20 == 0) log_->warn("worker {}: {}", o_.worker_id, r.status().ToString());
      SleepMs(250);
      return false;
    }
    reply = std::move(r).value();
  } else if (!Retry("step", [&] {
               auto r = queue_.Step(o_.worker_id, req);
               if (r.ok()) reply = std::move(r).value();
               return r.status();
             })) {
    // Not a connection problem (a script error): leave the tasks in flight to the reaper.
    _exit(kWorkerExitRedisLost);
  }
  // A take that found nothing, with nothing running: the in-flight list is empty, so an idle
  // worker may block at once (BLMOVE) without checking it first.
  in_flight_empty_ = next == StepNext::kTake && !reply.taken && !(guarded && reply.verdict == Verdict::kRun);
  if (reply.taken) {
    ++tasks_done_;
    next_ = Prepare(*reply.taken);
  }
  if (!guarded) return true;
  Verdict v = reply.verdict.value_or(Verdict::kGone);
  if (v == Verdict::kRun) {
    Run(*guarded, reply);
  } else if (v == Verdict::kExpired) {
    board_.expired.fetch_add(1, std::memory_order_relaxed);
  } else if (v == Verdict::kGone) {
    board_.gone.fetch_add(1, std::memory_order_relaxed);
  } else {
    log_->debug("worker {}: {} {} skipped: {}", o_.worker_id, guarded->info->name, guarded->task.signature,
                VerdictName(v));
    Count(board_.skipped, IndexOf(kSkipReasons, VerdictName(v)));
  }
  return true;
}

template <typename F>
bool Worker::Retry(const char* what, F&& call) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    Status st = call();
    if (st.ok()) return true;
    if (st.code() != StatusCode::kUnavailable && st.code() != StatusCode::kIOError) {
      log_->error("worker {}: {}: {}", o_.worker_id, what, st.ToString());
      return false;
    }
    if (attempt % 4 == 0) log_->warn("worker {}: {}: {}", o_.worker_id, what, st.ToString());
    SleepMs(250);
  }
  log_->error("worker {}: {}: Redis unreachable; exiting so that the supervisor reaps the task", o_.worker_id,
              what);
  _exit(kWorkerExitRedisLost);
}

void Worker::DeadLetter(const std::string& raw, const std::string& reason, const std::string& detail) {
  log_->warn("worker {}: dead-lettering a task: {}: {}", o_.worker_id, reason, detail);
  std::string entry = "{\"task\":";
  model::AppendJsonString(entry, raw);
  entry += ",\"reason\":";
  model::AppendJsonString(entry, reason + ": " + detail);
  entry += ",\"at\":";
  model::AppendJsonDouble(entry, WallSeconds());
  entry += "}";
  Retry("dead-letter", [&] { return queue_.DeadLetter(o_.worker_id, raw, entry); });
  Count(board_.deadlettered, IndexOf(kDeadletterReasons, reason));
}

// Validates a task taken into flight (nothing is imported from a message): dead-letters a bad one.
std::optional<Prepared> Worker::Prepare(const std::string& raw) {
  auto task = model::ParseTask(raw);
  if (!task.ok()) {
    DeadLetter(raw, "invalid", task.status().message());
    return std::nullopt;
  }
  if (task->kind != o_.kind) {
    DeadLetter(raw, "kind",
               "a " + std::string(KindName(task->kind)) + " task on the " + std::string(KindName(o_.kind)) +
                   " queue");
    return std::nullopt;
  }
  auto info = FindPlugin(task->plugin);
  if (info == nullptr) {
    DeadLetter(raw, "unknown plugin",
               "no " + std::string(KindName(o_.kind)) + " plugin named \"" + task->plugin +
                   "\" in this agent's plugins_paths");
    return std::nullopt;
  }
  std::string expected = model::Signature(info->normalized_name, task->resource ? &*task->resource : nullptr);
  if (expected != task->signature) {
    DeadLetter(raw, "signature",
               "task " + task->id + " for " + task->plugin + " has signature " + task->signature +
                   ", expected " + expected);
    return std::nullopt;
  }
  Prepared p{raw, std::move(*task), info, {}, 0, {}};
  p.time_limit = TimeLimit(p.task, *info);
  p.guard = MakeGuardPart(prefix_, *info, p.task, raw, RandomToken(), o_.site.main.plugins_skew,
                          LockTtlMs(p.task, *info));
  p.preload_ids = PreloadIds(*info, p.task);
  return p;
}

void Worker::Run(Prepared& p, const StepReply& reply) {
  PrefetchedEnrichment enrichment;
  for (size_t i = 0; i < p.preload_ids.size() && i < reply.preload.size(); ++i) {
    enrichment.values[p.preload_ids[i]] = reply.preload[i];
  }
  double lateness_s = reply.now - p.task.scheduled_for;
  python::RunInput input{
      p.task.resource, o_.site.main.sites, {&kv_, &secrets_, &enrichment}, p.task.signature, p.task.id};
  board_.prefetched.store(next_ ? 1 : 0, std::memory_order_relaxed);
  BeginRun(board_, p.task.id, static_cast<int64_t>(p.time_limit * 1000));
  g_in_run.store(true);
  python::RunOutcome outcome = host_->Run(*p.info, input);
  g_in_run.store(false);
  finish_ = BuildFinish(p, p.guard.token, outcome);
  EndRun(board_, finish_->status, std::chrono::duration<double>(outcome.duration).count(), lateness_s);
}

FinishPart Worker::BuildFinish(const Prepared& p, const std::string& token, python::RunOutcome& outcome) {
  const PluginInfo& info = *p.info;
  FinishPart f;
  f.lock = p.guard.lock;
  f.meta = p.guard.meta;
  f.token = token;
  f.status = python::RunStatusName(outcome.status);
  f.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(outcome.duration).count();
  f.error = outcome.error;
  if (outcome.status == python::RunStatus::kError) {
    log_->warn("plugin {} ({}) task {} failed: {}", info.name, p.task.signature, p.task.id, outcome.error);
  }
  if (const auto* found = std::get_if<DiscoveryResult>(&outcome.result)) {
    Status st = store_.PutDiscovered(info.normalized_name, found->resources, info.resource_ttl);
    if (st.ok()) {
      f.stored = true;
    } else {
      f.status = "error";
      f.error = "storing the discovered resources: " + st.ToString();
    }
  } else {
    std::string site =
        p.task.resource && !p.task.resource->site.empty() ? p.task.resource->site : o_.site.main.sites[0];
    f.outputs = BuildOutputs(prefix_, info, outcome.result, site);
    f.stored = !f.outputs.empty();
  }
  return f;
}

}  // namespace

int RunWorker(const WorkerOptions& options) {
  Worker worker(options);
  Status st = worker.Start();
  if (!st.ok()) {
    core::Logger("agent")->error("worker {}: cannot start: {}", options.worker_id, st.ToString());
    return kWorkerExitStartFailed;
  }
  return worker.Loop();
}

}  // namespace panoptes::agent
