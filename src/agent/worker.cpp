#include "agent/worker.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <random>

#include "agent/outputs.h"
#include "agent/protocol.h"
#include "agent/scripts.h"
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

class Worker {
 public:
  explicit Worker(const WorkerOptions& o)
      : o_(o),
        prefix_(o.site.redis.key_prefix),
        log_(core::Logger("agent")),
        client_(o.site.redis, "agent-worker"),
        kv_(client_, prefix_),
        secrets_(client_, prefix_),
        store_(client_, prefix_) {}

  Status Start();
  int Loop();

 private:
  void HandleTask(const std::string& raw);
  void Execute(const Task& task, const PluginInfo& info);
  void Finish(const Task& task, const PluginInfo& info, const RunKeys& keys, const std::string& token,
              python::RunOutcome outcome);
  void DeadLetter(const std::string& raw, const std::string& reason, const std::string& detail);
  const PluginInfo* FindPlugin(const std::string& name);
  void Rescan();
  bool StopRequested();
  void Send(const WorkerMessage& m);
  template <typename F>
  bool Retry(const char* what, F&& call);

  const WorkerOptions& o_;
  std::string prefix_;
  std::shared_ptr<spdlog::logger> log_;
  redis::Client client_;
  plugin::RedisKvStore kv_;
  plugin::RedisSecretStore secrets_;
  resources::ResourceStore store_;
  std::unique_ptr<python::Interpreter> interpreter_;
  std::unique_ptr<python::PluginHost> host_;
  std::map<std::string, PluginInfo> plugins_;  // by Name
  std::chrono::steady_clock::time_point last_scan_;
  std::string inflight_;
  std::string queue_;
  int tasks_done_ = 0;
  bool stop_ = false;
};

Status Worker::Start() {
  struct sigaction sa {};
  sa.sa_handler = OnTerm;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  inflight_ = redis::keys::AgentInflight(prefix_, o_.worker_id);
  queue_ = redis::keys::Tasks(prefix_, o_.kind);
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
  std::map<std::string, PluginInfo> fresh;
  for (auto& p : scan.plugins) fresh.emplace(p.name, std::move(p));
  for (const auto& [name, info] : plugins_) {
    auto it = fresh.find(name);
    if (it == fresh.end() || it->second.file != info.file) host_->Forget(info.file);
  }
  plugins_ = std::move(fresh);
  last_scan_ = std::chrono::steady_clock::now();
}

namespace {

int64_t MtimeNs(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

}  // namespace

const PluginInfo* Worker::FindPlugin(const std::string& name) {
  auto it = plugins_.find(name);
  // An unknown name may be a plugin added since the last scan: rescan, at most once a second.
  if (it == plugins_.end() && std::chrono::steady_clock::now() - last_scan_ > std::chrono::seconds(1)) {
    Rescan();
    it = plugins_.find(name);
  }
  if (it == plugins_.end()) return nullptr;
  // An edited plugin file or module takes effect at its next run: two stat calls per task.
  PluginInfo& info = it->second;
  if (MtimeNs(info.file) != info.file_mtime_ns || MtimeNs(info.module_path) != info.module_mtime_ns) {
    auto fresh = config::LoadPluginFile(info.file, o_.kind);
    if (!fresh.ok() || fresh->name != name) {
      log_->warn("worker {}: plugin {} changed and no longer loads as '{}': {}", o_.worker_id, info.file,
                 name, fresh.ok() ? "renamed" : fresh.status().message());
      plugins_.erase(it);
      return nullptr;
    }
    info = std::move(*fresh);
  }
  return &info;
}

void Worker::Send(const WorkerMessage& m) {
  if (o_.control_fd < 0) return;
  std::string line = EncodeMessage(m);
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::send(o_.control_fd, p, left, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // supervisor gone: StopRequested() notices
    p += n;
    left -= static_cast<size_t>(n);
  }
}

bool Worker::StopRequested() {
  if (g_stop.load() || stop_) return true;
  if (o_.control_fd < 0) return false;
  pollfd pfd{o_.control_fd, POLLIN, 0};
  while (::poll(&pfd, 1, 0) > 0) {
    char buf[64];
    ssize_t n = ::recv(o_.control_fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n <= 0) {  // the supervisor closed its end (or died): stop
      stop_ = true;
      break;
    }
    for (ssize_t i = 0; i < n; ++i) stop_ = stop_ || buf[i] == 'S';
  }
  return stop_;
}

int Worker::Loop() {
  int failures = 0;
  const std::string block = std::to_string(o_.block_ms / 1000.0);
  while (!StopRequested() && tasks_done_ < o_.site.agent.max_tasks_per_worker) {
    auto reply = client_.Blocking({"BLMOVE", queue_, inflight_, "RIGHT", "LEFT", block},
                                  std::chrono::milliseconds(o_.block_ms));
    if (!reply.ok()) {
      if (failures++ % 50 == 0) log_->warn("worker {}: {}", o_.worker_id, reply.status().ToString());
      SleepMs(std::min(50 * failures, 500));
      continue;
    }
    if (failures > 0) log_->info("worker {}: Redis reachable again", o_.worker_id);
    failures = 0;
    // A full rescan every plugin_scan_interval, busy or idle (plugins added or removed).
    if (std::chrono::steady_clock::now() - last_scan_ >
        std::chrono::seconds(o_.site.Kind(o_.kind).plugin_scan_interval)) {
      Rescan();
    }
    if (reply->IsNil()) continue;
    HandleTask(reply->str);
    ++tasks_done_;
  }
  return kWorkerExitOk;
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
  Retry("dead-letter", [&] {
    return client_.Pipeline({{"LPUSH", redis::keys::Deadletter(prefix_, o_.kind), entry}, {"DEL", inflight_}})
        .status();
  });
  Send({'L', 0, reason, 0, 0});
}

void Worker::HandleTask(const std::string& raw) {
  auto task = model::ParseTask(raw);
  if (!task.ok()) return DeadLetter(raw, "invalid", task.status().message());
  if (task->kind != o_.kind) {
    return DeadLetter(raw, "kind",
                      "a " + std::string(KindName(task->kind)) + " task on the " +
                          std::string(KindName(o_.kind)) + " queue");
  }
  const PluginInfo* info = FindPlugin(task->plugin);
  if (info == nullptr) {
    return DeadLetter(raw, "unknown plugin",
                      "no " + std::string(KindName(o_.kind)) + " plugin named \"" + task->plugin +
                          "\" in this agent's plugins_paths");
  }
  std::string expected = model::Signature(info->normalized_name, task->resource ? &*task->resource : nullptr);
  if (expected != task->signature) {
    return DeadLetter(raw, "signature",
                      "task " + task->id + " for " + task->plugin + " has signature " + task->signature +
                          ", expected " + expected);
  }
  Execute(*task, *info);
}

void Worker::Execute(const Task& task, const PluginInfo& info) {
  RunKeys keys{redis::keys::Lock(prefix_, o_.kind, info.normalized_name, task.signature),
               redis::keys::Meta(prefix_, o_.kind, info.normalized_name, task.signature),
               redis::keys::AgentRunning(prefix_, o_.worker_id), inflight_};
  double time_limit = task.time_limit > 0 ? task.time_limit : info.time_limit;
  GuardRequest req;
  req.token = RandomToken();
  req.lock_ttl_ms = static_cast<int64_t>((time_limit + 30) * 1000);
  req.execute_frequency = info.execute_frequency;
  req.skew = o_.site.main.plugins_skew;
  req.results_cache_age = info.results_cache_age;
  req.code_mtime = static_cast<double>(std::max(info.file_mtime_ns, info.module_mtime_ns)) / 1e9;
  req.expires_at = task.expires_at > 0 ? task.expires_at : 1e18;
  req.task_id = task.id;
  req.plugin = info.name;
  req.resource_id = task.resource ? task.resource->id : "";
  std::vector<std::pair<std::string, std::string>> preload_ids;
  for (const PreloadSpec& p : info.preload) {
    std::string rid = p.self ? (task.resource ? task.resource->id : "") : p.resource_id;
    preload_ids.emplace_back(rid, p.namespace_);
    req.preload_keys.push_back(redis::keys::Enrichment(prefix_, rid, p.namespace_));
  }
  GuardDecision decision;
  Retry("guard", [&] {
    auto d = RunGuard(client_, keys, req);
    if (d.ok()) decision = std::move(d).value();
    return d.status();
  });
  if (decision.verdict == "expired") return Send({'E', 0, "", 0, 0});
  if (decision.verdict != "run") {
    log_->debug("worker {}: {} {} skipped: {}", o_.worker_id, info.name, task.signature, decision.verdict);
    return Send({'K', 0, decision.verdict.empty() ? "error" : decision.verdict, 0, 0});
  }
  PrefetchedEnrichment enrichment;
  for (size_t i = 0; i < preload_ids.size() && i < decision.preload.size(); ++i) {
    enrichment.values[preload_ids[i]] = decision.preload[i];
  }
  int64_t lateness_us = static_cast<int64_t>((decision.now - task.scheduled_for) * 1e6);
  Send({'R', static_cast<int64_t>(time_limit * 1000), task.id, 0, lateness_us});
  python::RunInput input{
      task.resource, o_.site.main.sites, {&kv_, &secrets_, &enrichment}, task.signature, task.id};
  g_in_run.store(true);
  python::RunOutcome outcome = host_->Run(info, input);
  g_in_run.store(false);
  std::string status = python::RunStatusName(outcome.status);
  int64_t duration_us = std::chrono::duration_cast<std::chrono::microseconds>(outcome.duration).count();
  Finish(task, info, keys, req.token, std::move(outcome));
  Send({'D', 0, status, duration_us, lateness_us});
}

void Worker::Finish(const Task& task, const PluginInfo& info, const RunKeys& keys, const std::string& token,
                    python::RunOutcome outcome) {
  FinishRequest req;
  req.token = token;
  req.status = python::RunStatusName(outcome.status);
  req.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(outcome.duration).count();
  req.error = outcome.error;
  req.metrics_maxlen = o_.site.agent.metrics_maxlen;
  if (outcome.status == python::RunStatus::kError) {
    log_->warn("plugin {} ({}) task {} failed: {}", info.name, task.signature, task.id, outcome.error);
  }
  if (const auto* found = std::get_if<DiscoveryResult>(&outcome.result)) {
    Status st = store_.PutDiscovered(info.normalized_name, found->resources, info.resource_ttl);
    if (st.ok()) {
      req.stored = true;
    } else {
      req.status = "error";
      req.error = "storing the discovered resources: " + st.ToString();
    }
  } else {
    std::string site =
        task.resource && !task.resource->site.empty() ? task.resource->site : o_.site.main.sites[0];
    req.outputs = BuildOutputs(prefix_, info, outcome.result, site);
    req.stored = !req.outputs.empty();
  }
  Retry("finish", [&] { return RunFinish(client_, keys, req); });
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
