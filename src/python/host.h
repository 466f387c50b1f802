#pragma once
// The embedded Python plugin host (docs/plugin-api.md). The only module that includes pybind11; this
// header is plain C++.
//
// - Interpreter: owns CPython for the life of the process. Start it in the process that runs
//   plugins (a forked worker child, `panoptes-ctl`, a test binary), never in a parent that forks
//   afterwards (starting CPython in a fork of a threaded process is not safe). At most one per process, ever
//   (CPython cannot be restarted safely). It is isolated (PyConfig_InitIsolatedConfig, /usr/bin/python3's
//   stdlib, no PYTHONPATH, no user site), has the embedded `panoptes` module and the original's
//   `yahoo_panoptes.*` import paths, and prepends [python] path to sys.path.
// - PluginHost: loads plugin code (one cached instance per plugin file) and runs it. Every entry
//   into Python catches Python and C++ exceptions and turns them into a Status / RunOutcome whose
//   text carries the traceback: a plugin can never crash the host by raising.
//
// Thread safety: an Interpreter and its PluginHosts are used from one thread (the one that created
// the Interpreter). The GIL is taken once per call.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "model/enrichment.h"
#include "panoptes/model.h"
#include "panoptes/plugin_info.h"
#include "panoptes/plugin_services.h"
#include "panoptes/site_config.h"
#include "panoptes/status.h"

namespace panoptes::python {

struct InterpreterOptions {
  std::vector<std::string> path;  // [python] path: prepended to sys.path, in this order
};

// One imported module and where it came from (Interpreter::ImportedModules).
struct ModuleOrigin {
  std::string name;  // "yahoo_panoptes.framework.metrics"
  std::string
      origin;  // its file; "<embedded>/..." for the embedded ones; "namespace" for a namespace package
};

class Interpreter {
 public:
  // (Fork's halves; the GIL is held from BeforeFork to AfterFork.)
  void BeforeFork();
  void AfterFork(bool in_child);

  // Starts CPython. kInternal if an Interpreter was already started in this process, kPythonError
  // if the interpreter or the embedded modules fail to initialise.
  static Result<std::unique_ptr<Interpreter>> Start(const InterpreterOptions& options = {});
  ~Interpreter();  // finalizes CPython
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Forks the process through `fork` (which returns 0 in the child, the child's pid or an error
  // in the caller), with the GIL held and PyOS_BeforeFork / PyOS_AfterFork_Child /
  // PyOS_AfterFork_Parent around it, so that the child's interpreter is usable (its locks reset,
  // os.register_at_fork hooks run: e.g. `random` reseeded). REQUIRES: no other Python thread runs.
  template <typename ForkFn>
  auto Fork(ForkFn fork) -> decltype(fork()) {
    BeforeFork();
    auto pid = fork();
    AfterFork(pid.ok() && *pid == 0);
    return pid;
  }

  // gc.collect() then gc.freeze(): what is alive now is left out of every later collection, so
  // that children forked afterwards share those pages instead of the collector touching them.
  Status FreezeHeap();

  // Runs `code` in __main__ (tests, diagnostics). kPythonError with the traceback on an exception.
  Status Exec(const std::string& code);

  // The modules imported so far that are named by or under one of `prefixes` (e.g.
  // {"yahoo_panoptes"}), sorted by name. kPythonError if Python fails.
  Result<std::vector<ModuleOrigin>> ImportedModules(const std::vector<std::string>& prefixes);

 private:
  Interpreter() = default;
  int gil_for_fork_ = 0;  // the PyGILState_STATE taken by BeforeFork
};

enum class RunStatus { kOk, kEmpty, kError };
// "ok", "empty", "error" (the last_status values of docs/redis.md).
const char* RunStatusName(RunStatus status);

struct RunInput {
  std::optional<Resource> resource;  // context.data; nullopt for discovery
  std::vector<std::string> sites;    // context.sites ([main] sites)
  PluginServices services;           // context.kv, .secrets, and the source of .enrichment
  // Log tags of context.logger records (and of the host's own lines).
  std::string signature;
  std::string task_id;
  // The run's time limit in seconds (0: none). The framework's SNMP connections shorten their waits
  // so that an unanswered device ends the run with an error naming it before the limit is reached
  // (panoptes._host.snmp_budget()).
  double time_limit_s = 0;
};

using PluginResult = std::variant<std::monostate, DiscoveryResult, PollingResult, EnrichmentResult>;

struct RunOutcome {
  RunStatus status = RunStatus::kError;
  // kError: what went wrong, with the Python traceback when Python raised. Empty otherwise.
  std::string error;
  // kOk: the alternative matching the plugin's kind. kEmpty/kError: monostate.
  PluginResult result;
  std::chrono::nanoseconds duration{0};  // load (if needed) + run + conversion
};

// What every run's context carries from the site config: context.snmp and context.x509 (docs/plugin-api.md),
// the original's defaults unless the site config sets them.
struct PluginDefaults {
  SnmpConfig snmp;
  X509Config x509;
};

class PluginHost {
 public:
  // REQUIRES: `interpreter` outlives the host. Never throws: if the embedded module is broken,
  // every Load/Run returns that error.
  explicit PluginHost(Interpreter& interpreter, const PluginDefaults& defaults = {});
  ~PluginHost();
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  // Imports the plugin's module (under a unique module name per module path), finds its class
  // (the single class deriving from the kind's base class, or the one named by info.class_name),
  // instantiates it once and caches it by info.file. A cached plugin is re-imported only when the
  // module's or the plugin file's mtime changed. Errors (kPythonError / kInvalidArgument / kNotFound)
  // say which: module not found, syntax error (file and line), exception at import (traceback), no
  // plugin class, ambiguous class, class of the wrong kind, exception in __init__.
  Status Load(const PluginInfo& info);

  // Loads if needed, then calls `run(context)`, checks the result type against the kind and converts
  // it to the C++ model. Raising, a wrong result type -> kError; None or an empty set -> kEmpty.
  RunOutcome Run(const PluginInfo& info, const RunInput& input);

  // Imports the plugin's module (as Load does) without instantiating its class: what a zygote does
  // before forking workers, which then share the module's pages and only create the instance.
  // Errors as Load.
  Status Import(const PluginInfo& info);

  // Drops the cached instance of a plugin file (e.g. the file was removed).
  void Forget(const std::string& plugin_file);
  // Number of cached plugin instances.
  size_t loaded() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;  // null when the host could not start: every call returns init_error_
  std::string init_error_;
};

// Loads the plugin's code in a throwaway host: what `panoptes-ctl check` and the scheduler (in a
// forked child with its own Interpreter) use to decide whether a plugin can be scheduled.
Status ValidatePluginCode(Interpreter& interpreter, const PluginInfo& info);

}  // namespace panoptes::python
