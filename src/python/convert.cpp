// Python result objects -> the C++ model (see native.h). Reads the underscore attributes that the
// embedded classes (py/panoptes/*.py) keep, so the layout of those classes is part of this file's
// contract.
#include <algorithm>
#include <cmath>

#include "python/native.h"

namespace panoptes::python {
namespace {

std::string Str(py::handle h) {
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
  return h.cast<int>();
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

MetricsGroup ConvertGroup(py::handle group) {
  MetricsGroup out;
  out.resource = ConvertResource(group.attr("_resource"));
  out.group_type = Str(group.attr("_group_type"));
  out.interval = ToInt(group.attr("_interval"));
  out.creation_timestamp = Number(group.attr("_creation_timestamp"));
  py::list metrics = group.attr("_metrics");
  out.metrics.reserve(metrics.size());
  for (py::handle m : metrics) {
    Metric metric;
    metric.name = Str(m.attr("_name"));
    metric.value = ToMetricValue(m.attr("_value"));
    metric.type = ToInt(m.attr("_type")) == 1 ? MetricType::kCounter : MetricType::kGauge;
    metric.creation_timestamp = Number(m.attr("_ts"));
    out.metrics.push_back(std::move(metric));
  }
  py::dict dimensions = group.attr("_dimensions");
  for (auto item : dimensions) {
    out.dimensions.push_back({Str(item.first), Str(item.second.attr("_value"))});
  }
  std::sort(out.dimensions.begin(), out.dimensions.end(),
            [](const Dimension& a, const Dimension& b) { return a.name < b.name; });
  return out;
}

void ConvertGroupSet(py::handle group_set, std::vector<EnrichmentGroup>& out) {
  Resource resource = ConvertResource(group_set.attr("_resource"));
  py::dict groups = group_set.attr("_groups");
  for (auto item : groups) {
    py::handle g = item.second;
    EnrichmentGroup eg;
    eg.namespace_ = Str(item.first);
    eg.resource = resource;
    py::dict metadata = g.attr("_metadata");
    eg.interval = ToInt(metadata["_execute_frequency"]);
    eg.ttl = ToInt(metadata["_enrichment_ttl"]);
    eg.creation_timestamp = Number(metadata["_enrichment_group_creation_timestamp"]);
    py::dict sets = g.attr("_sets");
    for (auto s : sets) eg.data[Str(s.first)] = ToJson(s.second.attr("_value"));
    out.push_back(std::move(eg));
  }
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

Resource ConvertResource(py::handle obj) {
  Resource r;
  r.site = Str(obj.attr("_site"));
  r.class_ = Str(obj.attr("_class"));
  r.subclass = Str(obj.attr("_subclass"));
  r.type = Str(obj.attr("_type"));
  r.id = Str(obj.attr("_id"));
  r.endpoint = Str(obj.attr("_endpoint"));
  py::object plugin = obj.attr("_plugin");
  if (!plugin.is_none()) r.plugin = Str(plugin);
  r.creation_timestamp = Number(obj.attr("_creation_timestamp"));
  py::dict metadata = obj.attr("_metadata");
  for (auto item : metadata) r.metadata.emplace(Str(item.first), Str(py::str(item.second)));
  return r;
}

RunOutcome ConvertResult(PluginKind kind, py::handle result, const ApiClasses& api) {
  if (result.is_none()) return Empty();
  switch (kind) {
    case PluginKind::kPolling: {
      if (!py::isinstance(result, api.metrics_group_set)) return WrongType(kind, result);
      py::list groups = result.attr("_metrics_groups");
      if (groups.size() == 0) return Empty();
      PollingResult out;
      out.groups.reserve(groups.size());
      for (py::handle g : groups) out.groups.push_back(ConvertGroup(g));
      return Ok(std::move(out));
    }
    case PluginKind::kDiscovery: {
      if (!py::isinstance(result, api.resource_set)) return WrongType(kind, result);
      py::set resources = result.attr("_resources");
      if (resources.size() == 0) return Empty();
      DiscoveryResult out;
      for (py::handle r : resources) out.resources.push_back(ConvertResource(r));
      std::sort(out.resources.begin(), out.resources.end(),
                [](const Resource& a, const Resource& b) { return a.Key() < b.Key(); });
      return Ok(std::move(out));
    }
    case PluginKind::kEnrichment: {
      EnrichmentResult out;
      if (py::isinstance(result, api.enrichment_group_set)) {
        ConvertGroupSet(result, out.groups);
      } else if (py::isinstance(result, api.enrichment_multi_group_set)) {
        py::list sets = result.attr("_group_sets");
        for (py::handle s : sets) ConvertGroupSet(s, out.groups);
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
  if (PyBytes_Check(p)) {
    return Str(py::reinterpret_borrow<py::bytes>(value).attr("decode")("utf-8", "replace"));
  }
  if (PyDict_Check(p)) {
    nlohmann::json out = nlohmann::json::object();
    for (auto item : py::reinterpret_borrow<py::dict>(value)) {
      out[PyUnicode_Check(item.first.ptr()) ? Str(item.first) : Str(py::str(item.first))] =
          ToJson(item.second);
    }
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
