// Interpreter start/stop, the `_panoptes_native` embedded module and the bootstrap of the embedded
// `panoptes` package (see host.h, native.h).
#include <atomic>
#include <optional>

#include <pybind11/embed.h>
#include <pybind11/stl.h>

#include "core/logging.h"
#include "python/embedded_sources.h"
#include "python/native.h"

namespace panoptes::python {
namespace {

std::atomic<bool> g_started{false};  // CPython can be initialised once per process

[[noreturn]] void RaiseRuntimeError(const std::string& message) {
  py::object type = py::module_::import("panoptes").attr("PanoptesPluginRuntimeError");
  PyErr_SetString(type.ptr(), message.c_str());
  throw py::error_already_set();
}

template <typename Store>
Store* Require(Store* store, const char* what) {
  if (store == nullptr) RaiseRuntimeError(std::string(what) + " is not available outside a plugin run");
  return store;
}

template <typename T>
T Check(Result<T> r, const char* what) {
  if (!r.ok()) RaiseRuntimeError(std::string(what) + ": " + r.status().ToString());
  return std::move(r).value();
}

void Check(const Status& st, const char* what) {
  if (!st.ok()) RaiseRuntimeError(std::string(what) + ": " + st.ToString());
}

std::string ToStr(py::handle value) {
  if (py::isinstance<py::bytes>(value)) return value.cast<std::string>();
  return py::str(value).cast<std::string>();
}

py::object OptionalToPy(const std::optional<std::string>& v) {
  if (!v) return py::none();
  return py::str(*v);
}

void BindKv(py::module_& m) {
  py::class_<KvProxy>(m, "KeyValueStore")
      .def("get",
           [](KvProxy& p, const std::string& key) {
             return OptionalToPy(Check(Require(p.store, "context.kv")->Get(key), "kv.get"));
           })
      .def(
          "set",
          [](KvProxy& p, const std::string& key, py::handle value, std::optional<int64_t> expire) {
            if (expire && *expire <= 0)
              throw py::value_error("kv.set: expire must be a positive number of seconds");
            Check(Require(p.store, "context.kv")->Set(key, ToStr(value), expire), "kv.set");
          },
          py::arg("key"), py::arg("value"), py::arg("expire") = py::none())
      .def("getset",
           [](KvProxy& p, const std::string& key, py::handle value) {
             return OptionalToPy(
                 Check(Require(p.store, "context.kv")->GetSet(key, ToStr(value)), "kv.getset"));
           })
      .def("delete",
           [](KvProxy& p, const std::string& key) {
             Check(Require(p.store, "context.kv")->Delete(key), "kv.delete");
           })
      .def("ttl",
           [](KvProxy& p, const std::string& key) {
             return Check(Require(p.store, "context.kv")->Ttl(key), "kv.ttl");
           })
      .def("find_keys",
           [](KvProxy& p, const std::string& pattern) {
             return Check(Require(p.store, "context.kv")->FindKeys(pattern), "kv.find_keys");
           })
      .def("set_add",
           [](KvProxy& p, const std::string& key, py::handle member) {
             Check(Require(p.store, "context.kv")->SetAdd(key, ToStr(member)), "kv.set_add");
           })
      .def("set_members", [](KvProxy& p, const std::string& key) {
        auto members = Check(Require(p.store, "context.kv")->SetMembers(key), "kv.set_members");
        py::set out;
        for (const auto& m : members) out.add(py::str(m));
        return out;
      });
}

void BindSecretsAndEnrichment(py::module_& m) {
  py::class_<SecretsProxy>(m, "SecretStore")
      .def("get",
           [](SecretsProxy& p, const std::string& key) {
             return OptionalToPy(Check(Require(p.store, "context.secrets")->Get(key), "secrets.get"));
           })
      .def("get_by_site", [](SecretsProxy& p, const std::string& name, const std::string& site) {
        return OptionalToPy(
            Check(Require(p.store, "context.secrets")->GetBySite(name, site), "secrets.get_by_site"));
      });
  py::class_<EnrichmentFetcher>(m, "EnrichmentFetcher")
      .def("__call__",
           [](EnrichmentFetcher& f, const std::string& resource_id, const std::string& ns) -> py::object {
             if (f.store == nullptr) return py::none();
             auto text = Check(f.store->Fetch(resource_id, ns), "enrichment fetch");
             if (!text) return py::none();
             auto j = nlohmann::json::parse(*text, nullptr, false);
             if (j.is_discarded() || !j.is_object() || !j.contains("data") || !j["data"].is_object()) {
               RaiseRuntimeError("stored enrichment for resource " + resource_id + " namespace " + ns +
                                 " is not valid");
             }
             return FromJson(j["data"]);
           });
}

}  // namespace

void LogSink::Log(int levelno, const std::string& plugin, const std::string& message) const {
  static const auto logger = core::Logger("plugin");
  spdlog::level::level_enum level = levelno >= 50   ? spdlog::level::critical
                                    : levelno >= 40 ? spdlog::level::err
                                    : levelno >= 30 ? spdlog::level::warn
                                    : levelno >= 20 ? spdlog::level::info
                                    : levelno >= 10 ? spdlog::level::debug
                                                    : spdlog::level::trace;
  if (!logger->should_log(level)) return;
  logger->log(level, "[plugin={} signature={} resource={}{}{}] {}", plugin, signature,
              resource_id.empty() ? "-" : resource_id, task_id.empty() ? "" : " task=", task_id, message);
}

PYBIND11_EMBEDDED_MODULE(_panoptes_native, m) {
  py::class_<LogSink>(m, "LogSink").def("log", &LogSink::Log);
  BindKv(m);
  BindSecretsAndEnrichment(m);
}

std::string FormatPythonError(py::error_already_set& e) {
  try {
    py::object format = py::module_::import("traceback").attr("format_exception");
    py::list lines = format(e.type(), e.value(), e.trace());
    std::string out;
    for (auto line : lines) out += line.cast<std::string>();
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  } catch (const std::exception&) {
    return e.what();
  }
}

std::string SummarizePythonError(py::error_already_set& e) {
  try {
    std::string text = py::str(e.type().attr("__name__")).cast<std::string>();
    std::string message = py::str(e.value()).cast<std::string>();
    if (!message.empty()) text += ": " + message.substr(0, message.find('\n'));
    if (e.trace()) {
      py::list frames = py::module_::import("traceback").attr("extract_tb")(e.trace());
      if (frames.size() > 0) {
        py::object last = frames[frames.size() - 1];
        text += " (" + py::str(last.attr("filename")).cast<std::string>() + ", line " +
                py::str(last.attr("lineno")).cast<std::string>() + ")";
      }
    }
    return text;
  } catch (const std::exception&) {
    return e.what();
  }
}

Result<std::unique_ptr<Interpreter>> Interpreter::Start(const InterpreterOptions& options) {
  if (g_started.exchange(true))
    return Status::Internal("the Python interpreter was already started in this process");
  PyConfig config;
  PyConfig_InitIsolatedConfig(&config);
  config.install_signal_handlers = 0;  // the daemons own signal handling
  // Never write __pycache__ into plugin trees (they may be read-only, or someone else's checkout);
  // plugin modules themselves are compiled from source by the host.
  config.write_bytecode = 0;
  PyConfig_SetString(&config, &config.program_name, L"/usr/bin/python3");
  PyConfig_SetString(&config, &config.executable, L"/usr/bin/python3");
  try {
    py::initialize_interpreter(&config, 0, nullptr, false);
  } catch (const std::exception& e) {
    return Status::PythonError(std::string("cannot start the Python interpreter: ") + e.what());
  }
  std::unique_ptr<Interpreter> interpreter(new Interpreter());
  try {
    py::module_ sys = py::module_::import("sys");
    py::list path = sys.attr("path");
    for (size_t i = options.path.size(); i-- > 0;) path.insert(0, py::str(options.path[i]));
    py::dict sources;
    for (size_t i = 0; i < kEmbeddedSourceCount; ++i) {
      const auto& s = kEmbeddedSources[i];
      sources[py::str(s.module)] = py::make_tuple(s.filename, s.source, s.is_package);
    }
    // A module of its own, so that the host can call its functions (add_plugin_module, ...).
    py::object bootstrap = py::module_::import("types").attr("ModuleType")("_panoptes_bootstrap");
    py::dict scope = bootstrap.attr("__dict__");
    scope["_sources"] = sources;
    sys.attr("modules")["_panoptes_bootstrap"] = bootstrap;
    py::exec(kBootstrapSource, scope);
    // Plugins' print() goes to stderr (the log), never into a program's output such as the JSON of
    // `panoptes-ctl run`.
    sys.attr("stdout") = sys.attr("stderr");
  } catch (py::error_already_set& e) {
    std::string message = FormatPythonError(e);
    return Status::PythonError("cannot set up the embedded panoptes module: " + message);
  }
  PyEval_SaveThread();  // release the GIL: every entry takes it (gil_scoped_acquire)
  return interpreter;
}

Interpreter::~Interpreter() {
  PyGILState_Ensure();
  py::finalize_interpreter();
}

void Interpreter::BeforeFork() {
  gil_for_fork_ = PyGILState_Ensure();
  PyOS_BeforeFork();
}

void Interpreter::AfterFork(bool in_child) {
  if (in_child) {
    PyOS_AfterFork_Child();
  } else {
    PyOS_AfterFork_Parent();
  }
  PyGILState_Release(static_cast<PyGILState_STATE>(gil_for_fork_));
}

Status Interpreter::FreezeHeap() {
  py::gil_scoped_acquire gil;
  try {
    py::module_ gc = py::module_::import("gc");
    gc.attr("collect")();
    gc.attr("freeze")();
    return Status::Ok();
  } catch (py::error_already_set& e) {
    return Status::PythonError(FormatPythonError(e));
  }
}

Status Interpreter::Exec(const std::string& code) {
  py::gil_scoped_acquire gil;
  try {
    py::exec(code, py::module_::import("__main__").attr("__dict__"));
    return Status::Ok();
  } catch (py::error_already_set& e) {
    return Status::PythonError(FormatPythonError(e));
  } catch (const std::exception& e) {
    return Status::PythonError(e.what());
  }
}

Result<std::vector<ModuleOrigin>> Interpreter::ImportedModules(const std::vector<std::string>& prefixes) {
  py::gil_scoped_acquire gil;
  try {
    py::object origins = py::module_::import("_panoptes_bootstrap").attr("module_origins");
    std::vector<ModuleOrigin> out;
    for (auto item : origins(py::cast(prefixes))) {
      auto pair = item.cast<py::tuple>();
      out.push_back({pair[0].cast<std::string>(), pair[1].cast<std::string>()});
    }
    return out;
  } catch (py::error_already_set& e) {
    return Status::PythonError(FormatPythonError(e));
  }
}

const char* RunStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::kOk: return "ok";
    case RunStatus::kEmpty: return "empty";
    case RunStatus::kError: return "error";
  }
  return "error";
}

}  // namespace panoptes::python
