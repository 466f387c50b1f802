#pragma once
// Code validation out of process: importing a plugin's module runs its code, and a
// module may crash or hang at import, so the scheduler never does it itself and never starts
// Python. It talks to a small helper process (which never starts Python either). For each batch
// of plugins the helper forks one child that runs `init` once (e.g. starts the interpreter) and
// then `check` on each plugin in turn, writing one result per plugin. A child that crashes or does
// not answer within `timeout` is killed; the plugin it was importing fails with that reason and a
// fresh child carries on with the rest, so one bad module costs only itself.
//
// The helper is started by fork + exec of a program (the scheduler's own binary, /proc/self/exe)
// in a hidden helper mode: main() calls RunValidatorHelper first thing, which builds the hooks
// from the arguments given here (ValidatorOptions::hook_args) and serves the socket it inherited.
// Why exec: the helper may have to be replaced long after the scheduler's threads started (an
// operator or the OOM killer killed it), and a child forked from a multi-threaded process may only
// call async-signal-safe functions before exec; its own children start Python, which is not safe
// in a bare fork of a threaded process. Between fork and exec the child only calls
// fcntl, prctl and execve. The first helper is started the same way, so there is one path. The
// hooks (std::function) cannot cross an exec; the hook arguments (strings) can.
//
// A dead helper (EOF or EPIPE on its socket, waitpid, or no answer within timeout + 15 s) is
// killed, reaped, logged and replaced: at once the first time, then after 1 s, 2 s, 4 s ... up to
// 60 s while replacements keep dying young (younger than 60 s), so a helper that cannot live does
// not become a fork storm. A batch whose helper died is retried once on a new helper. While no
// helper is available, plugins with a cached result keep it and the others fail with kUnavailable
// naming the cause (they are validated at the next scan once a helper runs again).
//
// Results are cached by (plugin file, module path, both mtimes): an unchanged plugin is not
// re-imported on every rescan. (A change in a module that the plugin module imports is seen at
// the next change of the plugin's own files.)
// Thread-safe: Validate may be called from several threads (calls are serialised). The helper is
// started by the thread calling Start or Validate and gets SIGKILL when that thread ends
// (PR_SET_PDEATHSIG): call them from threads that live as long as the validator.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "panoptes/plugin_info.h"
#include "panoptes/status.h"
#include "process/process.h"

namespace panoptes::scheduler {

struct ValidatorHooks {
  // Run once in each forked child before its first check (start the interpreter). A failure fails
  // every plugin of the batch with its message.
  std::function<Status()> init;
  // Run in the child for each plugin (import the module, find the class): ok or the reason.
  std::function<Status(const PluginInfo&)> check;
};

// Builds the helper's hooks from ValidatorOptions::hook_args (in the helper process).
using ValidatorHooksFactory = std::function<ValidatorHooks(const std::vector<std::string>& hook_args)>;

struct ValidatorOptions {
  // The program exec'd as the helper; its main() must start with the RunValidatorHelper check.
  std::string program = "/proc/self/exe";
  // Given to the helper's ValidatorHooksFactory (the scheduler passes its [python] path).
  std::vector<std::string> hook_args;
  // Per import ([scheduler] import_timeout_s).
  std::chrono::seconds timeout{30};
  // Delay before the second replacement in a row; doubled per further death, up to the maximum.
  std::chrono::milliseconds restart_backoff{1000};
  std::chrono::milliseconds max_restart_backoff{60000};
  // A helper that lived this long before dying is replaced at once (the backoff starts over).
  std::chrono::milliseconds healthy_after{60000};
};

class CodeValidator {
 public:
  // Starts the first helper and waits (at most 10 s) until it answers. kIOError if it cannot be
  // started (socketpair, fork, exec, or it exits at once), naming the program and how it ended.
  static Result<std::unique_ptr<CodeValidator>> Start(ValidatorOptions options);
  ~CodeValidator();  // stops the helper
  CodeValidator(const CodeValidator&) = delete;
  CodeValidator& operator=(const CodeValidator&) = delete;

  // One Status per plugin, in order: ok, or why its code cannot be scheduled. Replaces a dead
  // helper first (see above); kUnavailable for uncached plugins while no helper can be started.
  std::vector<Status> Validate(const std::vector<PluginInfo>& plugins);

  // Plugins sent to a helper so far (cache misses); tests use it to see the cache work.
  uint64_t imports() const { return imports_; }
  // Helpers started after the first one, including those that died at start.
  uint64_t restarts() const { return restarts_; }
  // The running helper's pid, -1 while there is none.
  pid_t helper_pid() const { return helper_pid_; }

 private:
  using Clock = std::chrono::steady_clock;
  using CacheKey = std::tuple<std::string, std::string, int64_t, int64_t>;
  explicit CodeValidator(ValidatorOptions options) : options_(std::move(options)) {}

  Status SpawnHelper();
  bool HelperAlive();
  bool EnsureHelper();
  void ReapHelper(const std::string& how);
  void HelperGone(const std::string& how);
  size_t RunBatch(const std::vector<PluginInfo>& plugins, const std::vector<size_t>& todo, size_t first,
                  std::vector<Status>& out);

  const ValidatorOptions options_;
  std::mutex mu_;
  process::UniqueFd fd_;
  std::atomic<pid_t> helper_pid_{-1};
  Clock::time_point started_at_{};
  Clock::time_point next_start_{};  // no new helper before this
  int deaths_in_row_ = 0;           // helpers that died younger than healthy_after, in a row
  std::string down_reason_;         // why the last helper went away (for kUnavailable messages)
  std::map<CacheKey, Status> cache_;
  std::atomic<uint64_t> imports_{0};
  std::atomic<uint64_t> restarts_{0};
};

// The hidden helper mode, for main(): true when argv is a helper invocation made by CodeValidator
// (argv[1] == "--validator-helper").
bool IsValidatorHelper(int argc, char** argv);

// Runs the helper: closes every other inherited descriptor, builds the hooks with `make_hooks`
// from the hook arguments, and serves the inherited socket until the validator closes it or its
// process ends. Returns the process exit code (2 for a malformed invocation).
// REQUIRES: IsValidatorHelper(argc, argv); called first in main(), before any thread exists.
int RunValidatorHelper(int argc, char** argv, const ValidatorHooksFactory& make_hooks);

}  // namespace panoptes::scheduler
