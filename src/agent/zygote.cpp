#include "agent/zygote.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "agent/plugin_catalog.h"
#include "agent/worker.h"
#include "core/dir_watch.h"
#include "core/logging.h"
#include "process/process.h"
#include "python/host.h"

namespace panoptes::agent {
namespace {

// Reads or writes exactly `n` bytes (blocking); false on EOF or error.
bool ReadAll(int fd, void* data, size_t n) {
  auto* p = static_cast<char*>(data);
  while (n > 0) {
    ssize_t got = ::read(fd, p, n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    p += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

bool WriteAll(int fd, const void* data, size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t put = ::write(fd, p, n);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return false;
    p += put;
    n -= static_cast<size_t>(put);
  }
  return true;
}

class Zygote {
 public:
  explicit Zygote(const ZygoteOptions& o) : o_(o), log_(core::Logger("agent")) {}
  int Run();

 private:
  Status Prepare();
  void ImportAll();
  bool ImportKills(const PluginInfo& info);
  void WatchPlugins();
  void OnChange();
  bool Serve();
  [[noreturn]] void BecomeWorker(const SpawnRequest& request);

  const ZygoteOptions& o_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<python::Interpreter> interpreter_;
  std::unique_ptr<python::PluginHost> host_;
  std::map<PluginKind, std::unique_ptr<FilePluginCatalog>> catalogs_;
  std::unique_ptr<core::DirWatch> watch_;  // null: inotify unavailable (workers stat per task)
  char name_[16] = {};                     // the workers' process name
  // Modules (path -> mtime) whose import was tried in a probe child: passed, or killed it.
  std::map<std::string, int64_t> probed_, killers_;
};

Status Zygote::Prepare() {
  auto interpreter = python::Interpreter::Start({o_.site.python.path});
  if (!interpreter.ok()) return interpreter.status();
  interpreter_ = std::move(interpreter).value();
  host_ =
      std::make_unique<python::PluginHost>(*interpreter_, python::PluginDefaults{o_.site.snmp, o_.site.x509});
  for (PluginKind kind : o_.kinds) {
    catalogs_[kind] = std::make_unique<FilePluginCatalog>(
        o_.site, kind, "zygote", [this](const std::string& file) { host_->Forget(file); },
        &o_.board->shared());
  }
  auto watch = core::DirWatch::Create("agent");
  if (watch.ok()) {
    watch_ = std::move(watch).value();
  } else {
    log_->warn("zygote: {}: workers stat their plugin files at every task instead",
               watch.status().ToString());
  }
  // Watch first, then scan: a change between the two is seen (as a change) rather than missed.
  WatchPlugins();
  for (auto& [kind, catalog] : catalogs_) catalog->Rescan();
  ImportAll();
  WatchPlugins();  // the module directories, now known
  return Status::Ok();
}

void Zygote::ImportAll() {
  size_t imported = 0;
  for (auto& [kind, catalog] : catalogs_) {
    for (const auto& info : catalog->All()) {
      if (ImportKills(*info)) continue;
      Status st = host_->Import(*info);
      if (st.ok()) {
        ++imported;
      } else {
        log_->warn("zygote: plugin {} ({}): its module does not import (its runs will say why): {}",
                   info->name, info->file, st.message());
      }
    }
  }
  Status frozen = interpreter_->FreezeHeap();
  if (!frozen.ok()) log_->warn("zygote: gc.freeze(): {}", frozen.ToString());
  log_->info("zygote: {} plugin module(s) imported, heap frozen", imported);
}

// Whether importing the module of `info` kills the process (a segfault, os._exit, or a hang past
// import_timeout_s), tried once per module version in a throwaway child: such a module must not
// take the zygote down at every start. It is left out here; a worker that imports it at its first
// run dies, and its supervisor quarantines the plugin as a whole (docs/agent.md, "Quarantine and
// freshness") instead of losing a worker per task.
bool Zygote::ImportKills(const PluginInfo& info) {
  const std::string& path = info.module_path;
  auto known = killers_.find(path);
  if (known != killers_.end() && known->second == info.module_mtime_ns) return true;
  auto passed = probed_.find(path);
  if (passed != probed_.end() && passed->second == info.module_mtime_ns) return false;
  auto pid = interpreter_->Fork([] { return process::Fork(); });
  if (!pid.ok()) return false;  // no probe possible: import it as before
  // The child answers with kReturned whether the import succeeded or raised: anything else (a
  // module's own os._exit(0) included) means that the import ended the process.
  constexpr int kReturned = 90;
  if (*pid == 0) {
    (void)host_->Import(info);
    _exit(kReturned);
  }
  auto exit = process::WaitFor(*pid, o_.site.scheduler.import_timeout_s * 1000);
  if (!exit) {
    (void)process::SendSignal(*pid, SIGKILL);
    exit = process::WaitFor(*pid, 5000);
  }
  if (exit && exit->exited && exit->code == kReturned) {
    probed_[path] = info.module_mtime_ns;
    return false;
  }
  killers_[path] = info.module_mtime_ns;
  log_->error("zygote: plugin {} ({}): importing its module kills the process ({}): not imported here",
              info.name, info.file, exit ? exit->Describe() : "still importing after import_timeout_s");
  return true;
}

void Zygote::WatchPlugins() {
  if (!watch_) return;
  std::vector<std::string> roots, flat;
  for (PluginKind kind : o_.kinds) {
    for (const auto& p : o_.site.Kind(kind).plugins_paths) roots.push_back(p);
  }
  for (auto& [kind, catalog] : catalogs_) {
    for (const auto& info : catalog->All())
      flat.push_back(std::filesystem::path(info->module_path).parent_path().string());
  }
  watch_->Watch(roots, flat);
}

// Something under the plugin directories changed: tell the workers first (each stats its own
// plugins' files and re-imports what changed: they need nothing from here), then rescan,
// re-import and refreeze, so that workers forked afterwards start with the new code.
void Zygote::OnChange() {
  uint64_t generation = o_.board->shared().plugin_generation.fetch_add(1, std::memory_order_release) + 1;
  log_->info("zygote: plugin files changed (generation {}): workers told", generation);
  for (auto& [kind, catalog] : catalogs_) catalog->Rescan();
  ImportAll();
  WatchPlugins();
}

// One request: fork the worker and answer. False when the supervisor closed its end.
bool Zygote::Serve() {
  SpawnRequest request;
  if (!ReadAll(o_.fd, &request, sizeof(request))) return false;
  request.worker_id[kWorkerIdMax - 1] = '\0';
  SpawnReply reply{request.board_index, 0};
  if (request.board_index >= o_.board->size() || request.kind >= kAllKinds.size() ||
      !catalogs_.count(kAllKinds[request.kind])) {
    log_->error("zygote: bad request (slot {}, kind {}): ignored", request.board_index, request.kind);
    reply.pid = -EINVAL;
    return WriteAll(o_.fd, &reply, sizeof(reply));
  }
  BoardSlot& slot = o_.board->slot(request.board_index);
  auto pid = interpreter_->Fork([this, &slot]() -> Result<pid_t> {
    auto forked = process::ForkSibling();
    // Stored at once on both sides, so that the supervisor finds the worker by its slot even if
    // this zygote dies before it answers; and the worker's name at once too.
    if (forked.ok()) slot.pid.store(*forked == 0 ? getpid() : *forked, std::memory_order_release);
    if (forked.ok() && *forked == 0) prctl(PR_SET_NAME, name_);
    return forked;
  });
  if (pid.ok() && *pid == 0) BecomeWorker(request);
  if (!pid.ok()) log_->error("zygote: cannot fork worker {}: {}", request.worker_id, pid.status().ToString());
  reply.pid = pid.ok() ? *pid : -EAGAIN;
  return WriteAll(o_.fd, &reply, sizeof(reply));
}

void Zygote::BecomeWorker(const SpawnRequest& request) {
  process::CloseOtherFds(-1);  // the socket pair and the inotify descriptor
  // Told when the supervisor (its parent) dies: finish the run, then exit; even if it died just now.
  prctl(PR_SET_PDEATHSIG, SIGUSR2);
  if (getppid() != o_.supervisor) _exit(kWorkerExitOk);
  PluginKind kind = kAllKinds[request.kind];
  WorkerOptions wo{o_.site, kind, request.worker_id, &o_.board->slot(request.board_index),
                   BlockMsOf(o_.site)};
  int code = RunWorker(wo, *host_, *catalogs_.at(kind));
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
  _exit(code);
}

int Zygote::Run() {
  signal(SIGPIPE, SIG_IGN);
  std::strncpy(name_, o_.worker_name.c_str(), sizeof(name_) - 1);
  prctl(PR_SET_NAME, kZygoteProcessName);
  auto started = std::chrono::steady_clock::now();
  Status prepared = Prepare();
  if (!prepared.ok()) {
    log_->error("zygote: cannot start: {}", prepared.ToString());
    return kWorkerExitStartFailed;
  }
  o_.board->shared().watching.store(watch_ ? 1 : 0, std::memory_order_relaxed);
  // Workers that ran while no zygote watched re-check their files once.
  o_.board->shared().plugin_generation.fetch_add(1, std::memory_order_release);
  log_->info("zygote ready in {} ms",
             std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                 .count());
  while (true) {
    pollfd fds[2] = {{o_.fd, POLLIN, 0}, {watch_ ? watch_->fd() : -1, POLLIN, 0}};
    int n = ::poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      log_->error("zygote: poll: {}", std::strerror(errno));
      return 1;
    }
    if ((fds[1].revents & POLLIN) && watch_->Drain()) OnChange();
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (!Serve()) return 0;
    }
  }
}

}  // namespace

int RunZygote(const ZygoteOptions& options) {
  try {
    Zygote zygote(options);
    return zygote.Run();
  } catch (const std::exception& e) {
    core::Logger("agent")->critical("zygote failed: {}", e.what());
    return 1;
  }
}

}  // namespace panoptes::agent
