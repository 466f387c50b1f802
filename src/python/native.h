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

// Python value -> JSON (enrichment data): None, bool, int, float, str, bytes (as the original stores
// them: the ASCII bytes, then "__decoded"), list/tuple/set, dict (keys as Python's json writes them).
// Anything else raises TypeError.
nlohmann::json ToJson(py::handle value);
// JSON -> Python value (stored enrichment data read back for context.enrichment).
py::object FromJson(const nlohmann::json& j);

// One attribute of an embedded class (py/panoptes/*.py), by interned name (an interned name hits
// CPython's type attribute cache; a name made from a C string for each access misses it and pays a
// full MRO walk). When the class declares it in __slots__, an object of exactly that class is read
// and written at the slot's offset, as the slot's member descriptor would do, without the attribute
// lookup; a subclass, or the class once modified (its type version tag changed), goes through
// getattr/setattr.
class Slot {
 public:
  Slot() = default;
  // REQUIRES: the GIL. `cls` may be a class without the slot (then always getattr/setattr).
  Slot(py::handle cls, const char* name);
  // obj.<name>; raises AttributeError (error_already_set) as getattr does when it is not set.
  py::object Get(py::handle obj) const;
  // obj.<name> = value.
  void Set(py::handle obj, py::handle value) const;
  // A new instance of the class made by its __new__ alone (no __init__: the caller sets the slots
  // __init__ would set), or a null object when the fast path is off (no such slot, class modified):
  // then the caller calls the class.
  py::object NewInstance() const;
  const py::object& name() const { return name_; }

 private:
  PyObject** Address(py::handle obj) const;  // the slot of obj, or null: use getattr/setattr
  py::object name_;
  py::object cls_;            // the class with the slot; null: no fast path
  unsigned int version_ = 0;  // the class's tp_version_tag when the offset was read
  Py_ssize_t offset_ = 0;
};

// The embedded classes the conversions check results against and the attributes they read, looked
// up once per PluginHost. REQUIRES: the GIL for construction and destruction.
struct ApiClasses {
  explicit ApiClasses(const py::module_& api);
  py::object resource, resource_set, metrics_group_set, enrichment_group_set, enrichment_multi_group_set;
  struct {
    Slot site, class_, subclass, type, id, endpoint, plugin, creation_timestamp, metadata;
  } r;  // PanoptesResource
  struct {
    Slot resource, group_type, interval, creation_timestamp, metrics, dimensions;
  } group;  // PanoptesMetricsGroup
  struct {
    Slot name, value, type, ts;
  } m;                                        // PanoptesMetric
  Slot dimension_value;                       // PanoptesMetricDimension._value
  Slot metrics_groups;                        // PanoptesMetricsGroupSet._metrics_groups
  Slot resources;                             // PanoptesResourceSet._resources
  Slot egs_resource, egs_groups, group_sets;  // PanoptesEnrichment(Multi)GroupSet
  Slot eg_metadata, eg_sets, es_value;        // PanoptesEnrichmentGroup, PanoptesEnrichmentSet
};

// Result object of run() -> the model, for the plugin's kind. kOk with the result, kEmpty for None
// or an empty set, kError (text says which type was expected and which came) otherwise.
RunOutcome ConvertResult(PluginKind kind, py::handle result, const ApiClasses& api);

// PanoptesResource -> Resource. REQUIRES: isinstance(obj, PanoptesResource).
Resource ConvertResource(py::handle obj, const ApiClasses& api);

}  // namespace panoptes::python
