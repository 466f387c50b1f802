#pragma once
// Code validation out of process (issue 5 item 1): importing a plugin's module runs its code, and a
// module may crash or hang at import, so the scheduler never does it itself and never starts
// Python. At start, before any thread exists, CodeValidator::Start forks a small helper process
// (it never starts Python either). For each batch of plugins the helper forks one child that runs
// `init` once (e.g. starts the interpreter) and then `check` on each plugin in turn, writing one
// result per plugin. A child that crashes or does not answer within `timeout` is killed; the plugin
// it was importing fails with that reason and a fresh child carries on with the rest, so one bad
// module costs only itself.
// Results are cached by (plugin file, module path, both mtimes): an unchanged plugin is not
// re-imported on every rescan. (A change in a module that the plugin module imports is seen at
// the next change of the plugin's own files.)
// Thread-safe: Validate may be called from several threads (calls are serialised).

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

namespace panoptes::scheduler {

struct ValidatorHooks {
  // Run once in each forked child before its first check (start the interpreter). A failure fails
  // every plugin of the batch with its message.
  std::function<Status()> init;
  // Run in the child for each plugin (import the module, find the class): ok or the reason.
  std::function<Status(const PluginInfo&)> check;
};

class CodeValidator {
 public:
  // Forks the helper. REQUIRES: no other thread is running yet. kIOError if fork/socketpair fail.
  static Result<std::unique_ptr<CodeValidator>> Start(ValidatorHooks hooks, std::chrono::seconds timeout);
  ~CodeValidator();  // stops the helper
  CodeValidator(const CodeValidator&) = delete;
  CodeValidator& operator=(const CodeValidator&) = delete;

  // One Status per plugin, in order: ok, or why its code cannot be scheduled.
  std::vector<Status> Validate(const std::vector<PluginInfo>& plugins);

  // Plugins checked in a child so far (cache misses); tests use it to see the cache work.
  uint64_t imports() const { return imports_; }

 private:
  CodeValidator(int fd, int pid) : fd_(fd), pid_(pid) {}
  using CacheKey = std::tuple<std::string, std::string, int64_t, int64_t>;

  std::mutex mu_;
  int fd_ = -1;
  int pid_ = -1;
  std::map<CacheKey, Status> cache_;
  uint64_t imports_ = 0;
};

}  // namespace panoptes::scheduler
