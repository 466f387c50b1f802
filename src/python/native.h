#pragma once
// Private to src/python (includes pybind11): the C++ objects bound into the `_panoptes_native`
// embedded module, Python-exception helpers and the Python -> model conversions. The rest of the
// code base sees only host.h.
//
// Thread safety: every function here REQUIRES the GIL.

#include <string>

#include <pybind11/pybind11.h>

#include "panoptes/model.h"
#include "panoptes/plugin_services.h"
#include "panoptes/status.h"
#include "python/host.h"

namespace panoptes::python {

namespace py = pybind11;

// context.logger's sink: records reach spdlog logger "plugin" with the current run's tags.
struct LogSink {
  std::string signature;
  std::string resource_id;
  std::string task_id;
  void Log(int levelno, const std::string& plugin, const std::string& message) const;
};

// context.kv, context.secrets and context.enrichment's fetch function. The host points them at the
// run's services for the duration of a run and resets them to null after; a null store raises
// PanoptesPluginRuntimeError when used.
struct KvProxy {
  KvStore* store = nullptr;
};
struct SecretsProxy {
  SecretStore* store = nullptr;
};
struct EnrichmentFetcher {
  EnrichmentSource* store = nullptr;
};

// "<Type>: <message>" followed by the formatted Python traceback.
std::string FormatPythonError(py::error_already_set& e);
// One line: "<Type>: <message> (<file>, line <n>)" with the innermost frame of the traceback.
std::string SummarizePythonError(py::error_already_set& e);

// Python value -> JSON (enrichment data): None, bool, int, float, str, bytes (decoded as UTF-8 with
// replacement), list/tuple/set, dict (keys converted with str()). Anything else raises TypeError.
nlohmann::json ToJson(py::handle value);
// JSON -> Python value (stored enrichment data read back for context.enrichment).
py::object FromJson(const nlohmann::json& j);

// The embedded classes the conversions check results against, looked up once per Interpreter.
struct ApiClasses {
  py::object resource, resource_set, metrics_group_set, enrichment_group_set, enrichment_multi_group_set;
};

// Result object of run() -> the model, for the plugin's kind. kOk with the result, kEmpty for None
// or an empty set, kError (text says which type was expected and which came) otherwise.
RunOutcome ConvertResult(PluginKind kind, py::handle result, const ApiClasses& api);

// PanoptesResource -> Resource. REQUIRES: isinstance(obj, PanoptesResource).
Resource ConvertResource(py::handle obj);

}  // namespace panoptes::python
