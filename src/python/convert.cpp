// Python result objects -> the C++ model (see native.h). Reads the underscore attributes that the
// embedded classes (py/panoptes/*.py) keep, so the layout of those classes is part of this file's
// contract.
#include <algorithm>
#include <climits>
#include <cmath>

#include "python/native.h"

// After Python.h (native.h), which it needs: T_OBJECT_EX, READONLY.
#include <structmember.h>

namespace panoptes::python {
namespace {

std::string Str(py::handle h) {
  if (PyUnicode_Check(h.ptr())) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(h.ptr(), &size);  // cached in the str object
    if (data != nullptr) return std::string(data, static_cast<size_t>(size));
    PyErr_Clear();  // not encodable (lone surrogates): pybind11's cast raises its usual error
  }
  return h.cast<std::string>();
}

double Number(py::handle h) {
  if (PyFloat_CheckExact(h.ptr())) return PyFloat_AS_DOUBLE(h.ptr());
  return py::float_(py::reinterpret_borrow<py::object>(h)).cast<double>();
}

MetricValue ToMetricValue(py::handle h) {
  if (PyLong_Check(h.ptr())) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(h.ptr(), &overflow);
    if (overflow == 0) return static_cast<int64_t>(v);
    return PyLong_AsDouble(h.ptr());
  }
  return Number(h);
}

int ToInt(py::handle h) {
  if (PyLong_CheckExact(h.ptr())) {
    int overflow = 0;
    long v = PyLong_AsLongAndOverflow(h.ptr(), &overflow);
    if (overflow == 0 && v >= INT_MIN && v <= INT_MAX) return static_cast<int>(v);
  }
  return h.cast<int>();  // anything else: pybind11's conversion and its error
}

// The kind's accepted result types, for messages.
const char* Expected(PluginKind kind) {
  switch (kind) {
    case PluginKind::kDiscovery: return "PanoptesResourceSet";
    case PluginKind::kEnrichment: return "PanoptesEnrichmentGroupSet or PanoptesEnrichmentMultiGroupSet";
    case PluginKind::kPolling: return "PanoptesMetricsGroupSet";
  }
  return "?";
}

// Fills `out`, a default MetricsGroup (built in place in the result: no move of a temporary).
void ConvertGroup(py::handle group, const ApiClasses& api, MetricsGroup& out) {
  const auto& g = api.group;
  const auto& n = api.m;
  out.resource = ConvertResource(g.resource.Get(group), api);
  out.group_type = Str(g.group_type.Get(group));
  out.interval = ToInt(g.interval.Get(group));
  out.creation_timestamp = Number(g.creation_timestamp.Get(group));
  py::list metrics = g.metrics.Get(group);
  out.metrics.reserve(metrics.size());
  for (py::handle m : metrics) {
    Metric metric;
    metric.name = Str(n.name.Get(m));
    metric.value = ToMetricValue(n.value.Get(m));
    metric.type = ToInt(n.type.Get(m)) == 1 ? MetricType::kCounter : MetricType::kGauge;
    metric.creation_timestamp = Number(n.ts.Get(m));
    out.metrics.push_back(std::move(metric));
  }
  py::dict dimensions = g.dimensions.Get(group);
  out.dimensions.reserve(dimensions.size());
  for (auto item : dimensions) {
    out.dimensions.push_back({Str(item.first), Str(api.dimension_value.Get(item.second))});
  }
  std::sort(out.dimensions.begin(), out.dimensions.end(),
            [](const Dimension& a, const Dimension& b) { return a.name < b.name; });
}

void ConvertGroupSet(py::handle group_set, const ApiClasses& api, std::vector<EnrichmentGroup>& out) {
  Resource resource = ConvertResource(api.egs_resource.Get(group_set), api);
  py::dict groups = api.egs_groups.Get(group_set);
  for (auto item : groups) {
    py::handle g = item.second;
    EnrichmentGroup eg;
    eg.namespace_ = Str(item.first);
    eg.resource = resource;
    py::dict metadata = api.eg_metadata.Get(g);
    eg.interval = ToInt(metadata["_execute_frequency"]);
    eg.ttl = ToInt(metadata["_enrichment_ttl"]);
    eg.creation_timestamp = Number(metadata["_enrichment_group_creation_timestamp"]);
    for (auto m : metadata) {  // what upsert_metadata added (it refuses keys starting with '_')
      std::string key = Str(py::str(m.first));
      if (!key.empty() && key[0] != '_') eg.extra_metadata[key] = ToJson(m.second);
    }
    py::dict sets = api.eg_sets.Get(g);
    for (auto s : sets) eg.data[Str(s.first)] = ToJson(api.es_value.Get(s.second));
    out.push_back(std::move(eg));
  }
}

// bytes in enrichment data as the original stores them: the ASCII bytes kept, the others dropped,
// then "__decoded" (its serializer's decode('ascii', 'ignore') + '__decoded').
std::string DecodedBytes(PyObject* bytes) {
  const char* data = PyBytes_AS_STRING(bytes);
  std::string out;
  for (Py_ssize_t i = 0, n = PyBytes_GET_SIZE(bytes); i < n; ++i) {
    if (static_cast<unsigned char>(data[i]) < 0x80) out += data[i];
  }
  return out + "__decoded";
}

// A dict key as Python's json module writes it: str as is; True/False/None as true/false/null;
// numbers by repr; anything else by str().
std::string JsonKey(py::handle key) {
  PyObject* k = key.ptr();
  if (PyUnicode_Check(k)) return Str(key);
  if (k == Py_True) return "true";
  if (k == Py_False) return "false";
  if (k == Py_None) return "null";
  if (PyLong_Check(k) || PyFloat_Check(k)) return Str(py::repr(key));
  return Str(py::str(key));
}

RunOutcome Ok(PluginResult result) {
  RunOutcome o;
  o.status = RunStatus::kOk;
  o.result = std::move(result);
  return o;
}

RunOutcome Empty() {
  RunOutcome o;
  o.status = RunStatus::kEmpty;
  return o;
}

RunOutcome WrongType(PluginKind kind, py::handle result) {
  RunOutcome o;
  o.error = std::string("run() returned ") + Str(py::str(py::type::of(result).attr("__name__"))) +
            ", expected " + Expected(kind) + " for a " + std::string(KindName(kind)) + " plugin";
  return o;
}

}  // namespace

Slot::Slot(py::handle cls, const char* name)
    : name_(py::reinterpret_steal<py::object>(PyUnicode_InternFromString(name))) {
  if (!name_) throw py::error_already_set();
  if (!cls || !PyType_Check(cls.ptr())) return;
  // The member descriptor in the class's own __dict__ (from __slots__), as an attribute lookup on
  // an instance would find it (the lookup also gives the class a valid version tag).
  auto* type = reinterpret_cast<PyTypeObject*>(cls.ptr());
  PyObject* descr = _PyType_Lookup(type, name_.ptr());  // borrowed
  if (descr == nullptr || !PyObject_TypeCheck(descr, &PyMemberDescr_Type)) return;
  const PyMemberDef* member = reinterpret_cast<PyMemberDescrObject*>(descr)->d_member;
  if (member->type != T_OBJECT_EX || (member->flags & READONLY) != 0) return;
  if (type->tp_version_tag == 0) return;  // no tag: a change to the class could not be told
  cls_ = py::reinterpret_borrow<py::object>(cls);
  version_ = type->tp_version_tag;
  offset_ = member->offset;
}

PyObject** Slot::Address(py::handle obj) const {
  PyTypeObject* type = Py_TYPE(obj.ptr());
  // A modified class gets tag 0, then a new tag: never the one recorded.
  if (!cls_ || reinterpret_cast<PyObject*>(type) != cls_.ptr() || type->tp_version_tag != version_) {
    return nullptr;
  }
  return reinterpret_cast<PyObject**>(reinterpret_cast<char*>(obj.ptr()) + offset_);
}

py::object Slot::NewInstance() const {
  if (!cls_) return py::object();
  auto* type = reinterpret_cast<PyTypeObject*>(cls_.ptr());
  if (type->tp_version_tag != version_) return py::object();
  py::tuple no_args;
  PyObject* obj = type->tp_new(type, no_args.ptr(), nullptr);
  if (obj == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(obj);
}

py::object Slot::Get(py::handle obj) const {
  PyObject** slot = Address(obj);
  if (slot != nullptr && *slot != nullptr) return py::reinterpret_borrow<py::object>(*slot);
  return obj.attr(name_);  // also raises the AttributeError of an unset slot
}

void Slot::Set(py::handle obj, py::handle value) const {
  PyObject** slot = Address(obj);
  if (slot != nullptr) {
    PyObject* old = *slot;
    *slot = value.inc_ref().ptr();
    Py_XDECREF(old);
    return;
  }
  if (PyObject_SetAttr(obj.ptr(), name_.ptr(), value.ptr()) != 0) throw py::error_already_set();
}

ApiClasses::ApiClasses(const py::module_& api)
    : resource(api.attr("PanoptesResource")),
      resource_set(api.attr("PanoptesResourceSet")),
      metrics_group_set(api.attr("PanoptesMetricsGroupSet")),
      enrichment_group_set(api.attr("PanoptesEnrichmentGroupSet")),
      enrichment_multi_group_set(api.attr("PanoptesEnrichmentMultiGroupSet")),
      r{{resource, "_site"},     {resource, "_class"},
        {resource, "_subclass"}, {resource, "_type"},
        {resource, "_id"},       {resource, "_endpoint"},
        {resource, "_plugin"},   {resource, "_creation_timestamp"},
        {resource, "_metadata"}},
      metrics_groups(metrics_group_set, "_metrics_groups"),
      resources(resource_set, "_resources"),
      egs_resource(enrichment_group_set, "_resource"),
      egs_groups(enrichment_group_set, "_groups"),
      group_sets(enrichment_multi_group_set, "_group_sets") {
  py::object g = api.attr("PanoptesMetricsGroup");
  group = {{g, "_resource"},           {g, "_group_type"}, {g, "_interval"},
           {g, "_creation_timestamp"}, {g, "_metrics"},    {g, "_dimensions"}};
  py::object metric = api.attr("PanoptesMetric");
  m = {{metric, "_name"}, {metric, "_value"}, {metric, "_type"}, {metric, "_ts"}};
  dimension_value = Slot(api.attr("PanoptesMetricDimension"), "_value");
  eg_metadata = Slot(api.attr("PanoptesEnrichmentGroup"), "_metadata");
  eg_sets = Slot(api.attr("PanoptesEnrichmentGroup"), "_sets");
  es_value = Slot(api.attr("PanoptesEnrichmentSet"), "_value");
}

Resource ConvertResource(py::handle obj, const ApiClasses& api) {
  const auto& n = api.r;
  Resource r;
  r.site = Str(n.site.Get(obj));
  r.class_ = Str(n.class_.Get(obj));
  r.subclass = Str(n.subclass.Get(obj));
  r.type = Str(n.type.Get(obj));
  r.id = Str(n.id.Get(obj));
  r.endpoint = Str(n.endpoint.Get(obj));
  py::object plugin = n.plugin.Get(obj);
  if (!plugin.is_none()) r.plugin = Str(plugin);
  r.creation_timestamp = Number(n.creation_timestamp.Get(obj));
  py::dict metadata = n.metadata.Get(obj);
  for (auto item : metadata) r.metadata.emplace(Str(item.first), Str(py::str(item.second)));
  return r;
}

RunOutcome ConvertResult(PluginKind kind, py::handle result, const ApiClasses& api) {
  if (result.is_none()) return Empty();
  switch (kind) {
    case PluginKind::kPolling: {
      if (!py::isinstance(result, api.metrics_group_set)) return WrongType(kind, result);
      py::list groups = api.metrics_groups.Get(result);
      if (groups.size() == 0) return Empty();
      PollingResult out;
      out.groups.reserve(groups.size());
      for (py::handle g : groups) ConvertGroup(g, api, out.groups.emplace_back());
      return Ok(std::move(out));
    }
    case PluginKind::kDiscovery: {
      if (!py::isinstance(result, api.resource_set)) return WrongType(kind, result);
      py::set resources = api.resources.Get(result);
      if (resources.size() == 0) return Empty();
      DiscoveryResult out;
      py::object ts = result.attr("resource_set_creation_timestamp");
      out.creation_timestamp =
          py::isinstance<py::float_>(ts) || py::isinstance<py::int_>(ts) ? ts.cast<double>() : 0;
      out.resources.reserve(resources.size());
      for (py::handle r : resources) out.resources.push_back(ConvertResource(r, api));
      std::sort(out.resources.begin(), out.resources.end(),
                [](const Resource& a, const Resource& b) { return a.Key() < b.Key(); });
      return Ok(std::move(out));
    }
    case PluginKind::kEnrichment: {
      EnrichmentResult out;
      if (py::isinstance(result, api.enrichment_group_set)) {
        ConvertGroupSet(result, api, out.groups);
      } else if (py::isinstance(result, api.enrichment_multi_group_set)) {
        py::list sets = api.group_sets.Get(result);
        for (py::handle s : sets) ConvertGroupSet(s, api, out.groups);
      } else {
        return WrongType(kind, result);
      }
      if (out.groups.empty()) return Empty();
      return Ok(std::move(out));
    }
  }
  return WrongType(kind, result);
}

nlohmann::json ToJson(py::handle value) {
  PyObject* p = value.ptr();
  if (value.is_none()) return nullptr;
  if (PyBool_Check(p)) return p == Py_True;
  if (PyLong_Check(p)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(p, &overflow);
    if (overflow == 0) return static_cast<int64_t>(v);
    return PyLong_AsDouble(p);
  }
  if (PyFloat_Check(p)) return PyFloat_AS_DOUBLE(p);
  if (PyUnicode_Check(p)) return Str(value);
  if (PyBytes_Check(p)) return DecodedBytes(p);
  if (PyDict_Check(p)) {
    nlohmann::json out = nlohmann::json::object();
    for (auto item : py::reinterpret_borrow<py::dict>(value)) out[JsonKey(item.first)] = ToJson(item.second);
    return out;
  }
  if (PyList_Check(p) || PyTuple_Check(p) || PyAnySet_Check(p)) {
    nlohmann::json out = nlohmann::json::array();
    for (py::handle item : value) out.push_back(ToJson(item));
    return out;
  }
  throw py::type_error("enrichment value of type " + Str(py::type::of(value).attr("__name__")) +
                       " cannot be stored (use str, int, float, bool, None, list or dict)");
}

py::object FromJson(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return py::none();
    case nlohmann::json::value_t::boolean: return py::bool_(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return py::int_(j.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: return py::int_(j.get<uint64_t>());
    case nlohmann::json::value_t::number_float: return py::float_(j.get<double>());
    case nlohmann::json::value_t::string: return py::str(j.get_ref<const std::string&>());
    case nlohmann::json::value_t::array: {
      py::list out;
      for (const auto& e : j) out.append(FromJson(e));
      return out;
    }
    case nlohmann::json::value_t::object: {
      py::dict out;
      for (const auto& [k, v] : j.items()) out[py::str(k)] = FromJson(v);
      return out;
    }
    default: return py::none();
  }
}

}  // namespace panoptes::python
