// Strict parsing of the data model's JSON: every error names the field path and the reason.
#include <cmath>
#include <limits>

#include "model/json.h"
#include "model/json_parse_internal.h"

namespace panoptes::model {
namespace {

using nlohmann::json;

// Reads typed fields of one JSON object; errors read `<what>: field "<prefix><name>": <reason>`.
class FieldReader {
 public:
  FieldReader(const json& object, std::string_view what, std::string prefix = "")
      : object_(object), what_(what), prefix_(std::move(prefix)) {}

  Status Error(std::string_view name, const std::string& reason) const {
    return Status::InvalidArgument(std::string(what_) + ": field \"" + prefix_ + std::string(name) +
                                   "\": " + reason);
  }

  // The field's value, or an error if it is missing.
  Result<const json*> Get(std::string_view name) const {
    auto it = object_.find(name);
    if (it == object_.end()) return Error(name, "missing");
    return &*it;
  }

  Status WrongType(std::string_view name, const char* expected, const json& found) const {
    return Error(name, std::string("expected ") + expected + ", found " + found.type_name());
  }

  Status String(std::string_view name, std::string& out) const {
    auto v = Get(name);
    if (!v.ok()) return v.status();
    if (!(*v)->is_string()) return WrongType(name, "a string", **v);
    out = (*v)->get<std::string>();
    return Status::Ok();
  }

  // A string, or null read as "" (resource_plugin: None in Python).
  Status StringOrNull(std::string_view name, std::string& out) const {
    auto v = Get(name);
    if (!v.ok()) return v.status();
    if ((*v)->is_null()) {
      out.clear();
      return Status::Ok();
    }
    return String(name, out);
  }

  Status Number(std::string_view name, double& out) const {
    auto v = Get(name);
    if (!v.ok()) return v.status();
    if (!(*v)->is_number()) return WrongType(name, "a number", **v);
    out = (*v)->get<double>();
    return Status::Ok();
  }

  Status Integer(std::string_view name, int64_t& out) const {
    auto v = Get(name);
    if (!v.ok()) return v.status();
    if ((*v)->is_number_float()) return Error(name, "expected an integer, found a float");
    if (!(*v)->is_number()) return WrongType(name, "an integer", **v);
    if ((*v)->is_number_unsigned() &&
        (*v)->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Error(name, "integer out of range");
    }
    out = (*v)->get<int64_t>();
    return Status::Ok();
  }

  Status Int(std::string_view name, int& out) const {
    int64_t wide = 0;
    PANOPTES_RETURN_IF_ERROR(Integer(name, wide));
    if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
      return Error(name, "integer out of range");
    }
    out = static_cast<int>(wide);
    return Status::Ok();
  }

  bool Has(std::string_view name) const { return object_.contains(name); }
  std::string_view what() const { return what_; }
  const std::string& prefix() const { return prefix_; }

 private:
  const json& object_;
  std::string_view what_;
  std::string prefix_;
};

// Parses `text` as JSON; errors read `<what>: bad JSON: <nlohmann's message with position>`.
Result<json> ParseText(std::string_view text, std::string_view what) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string(what) + ": bad JSON: " + e.what());
  }
}

Status RequireObject(const json& j, std::string_view what, std::string_view field) {
  if (j.is_object()) return Status::Ok();
  std::string where = field.empty() ? "" : " field \"" + std::string(field) + "\":";
  return Status::InvalidArgument(std::string(what) + ":" + where + " expected an object, found " +
                                 j.type_name());
}

Status ReadResourceFields(const FieldReader& f, const json& j, Resource& r) {
  PANOPTES_RETURN_IF_ERROR(f.String("resource_site", r.site));
  PANOPTES_RETURN_IF_ERROR(f.String("resource_class", r.class_));
  PANOPTES_RETURN_IF_ERROR(f.String("resource_subclass", r.subclass));
  PANOPTES_RETURN_IF_ERROR(f.String("resource_type", r.type));
  PANOPTES_RETURN_IF_ERROR(f.String("resource_id", r.id));
  PANOPTES_RETURN_IF_ERROR(f.String("resource_endpoint", r.endpoint));
  PANOPTES_RETURN_IF_ERROR(f.StringOrNull("resource_plugin", r.plugin));
  if (f.Has("resource_creation_timestamp")) {
    PANOPTES_RETURN_IF_ERROR(f.Number("resource_creation_timestamp", r.creation_timestamp));
  }
  if (!f.Has("resource_metadata")) return Status::Ok();
  const json& metadata = j.at("resource_metadata");
  if (!metadata.is_object()) return f.WrongType("resource_metadata", "an object", metadata);
  for (const auto& [k, v] : metadata.items()) {
    if (!v.is_string()) return f.WrongType("resource_metadata." + k, "a string", v);
    r.metadata.emplace(k, v.get<std::string>());
  }
  return Status::Ok();
}

Status ReadMetric(const json& j, const std::string& prefix, Metric& m) {
  PANOPTES_RETURN_IF_ERROR(RequireObject(j, "metrics group", prefix));
  FieldReader f(j, "metrics group", prefix + ".");
  PANOPTES_RETURN_IF_ERROR(f.String("metric_name", m.name));
  auto value = f.Get("metric_value");
  if (!value.ok()) return value.status();
  if ((*value)->is_number_float()) {
    m.value = (*value)->get<double>();
  } else {
    int64_t i = 0;
    PANOPTES_RETURN_IF_ERROR(f.Integer("metric_value", i));
    m.value = i;
  }
  std::string type;
  PANOPTES_RETURN_IF_ERROR(f.String("metric_type", type));
  if (type == "gauge") {
    m.type = MetricType::kGauge;
  } else if (type == "counter") {
    m.type = MetricType::kCounter;
  } else {
    return f.Error("metric_type", "unknown metric type \"" + type + "\" (expected gauge or counter)");
  }
  return f.Number("metric_creation_timestamp", m.creation_timestamp);
}

Status ReadArray(const FieldReader& f, std::string_view name, const json*& out) {
  auto v = f.Get(name);
  if (!v.ok()) return v.status();
  if (!(*v)->is_array()) return f.WrongType(name, "an array", **v);
  out = *v;
  return Status::Ok();
}

Status ReadMetricsGroup(const json& j, MetricsGroup& g) {
  PANOPTES_RETURN_IF_ERROR(RequireObject(j, "metrics group", ""));
  FieldReader f(j, "metrics group");
  PANOPTES_RETURN_IF_ERROR(f.String("metrics_group_type", g.group_type));
  PANOPTES_RETURN_IF_ERROR(f.Int("metrics_group_interval", g.interval));
  PANOPTES_RETURN_IF_ERROR(f.Number("metrics_group_creation_timestamp", g.creation_timestamp));
  PANOPTES_RETURN_IF_ERROR(f.String("metrics_group_schema_version", g.schema_version));
  auto resource = f.Get("resource");
  if (!resource.ok()) return resource.status();
  auto r = ResourceFromJson(**resource, "metrics group: field \"resource\"");
  if (!r.ok()) return r.status();
  g.resource = std::move(*r);
  const json* metrics = nullptr;
  PANOPTES_RETURN_IF_ERROR(ReadArray(f, "metrics", metrics));
  for (size_t i = 0; i < metrics->size(); ++i) {
    Metric m;
    PANOPTES_RETURN_IF_ERROR(ReadMetric((*metrics)[i], "metrics[" + std::to_string(i) + "]", m));
    g.metrics.push_back(std::move(m));
  }
  const json* dimensions = nullptr;
  PANOPTES_RETURN_IF_ERROR(ReadArray(f, "dimensions", dimensions));
  for (size_t i = 0; i < dimensions->size(); ++i) {
    const std::string prefix = "dimensions[" + std::to_string(i) + "]";
    PANOPTES_RETURN_IF_ERROR(RequireObject((*dimensions)[i], "metrics group", prefix));
    FieldReader df((*dimensions)[i], "metrics group", prefix + ".");
    Dimension d;
    PANOPTES_RETURN_IF_ERROR(df.String("dimension_name", d.name));
    PANOPTES_RETURN_IF_ERROR(df.String("dimension_value", d.value));
    g.dimensions.push_back(std::move(d));
  }
  return Status::Ok();
}

Status ReadTaskHeader(const FieldReader& f, Task& t) {
  int64_t v = 0;
  PANOPTES_RETURN_IF_ERROR(f.Integer("v", v));
  if (v != 1) return f.Error("v", "unsupported version " + std::to_string(v) + " (expected 1)");
  t.v = 1;
  PANOPTES_RETURN_IF_ERROR(f.String("id", t.id));
  std::string kind;
  PANOPTES_RETURN_IF_ERROR(f.String("kind", kind));
  auto parsed = ParseKind(kind);
  if (!parsed) {
    return f.Error("kind", "unknown kind \"" + kind + "\" (expected discovery, enrichment or polling)");
  }
  t.kind = *parsed;
  PANOPTES_RETURN_IF_ERROR(f.String("plugin", t.plugin));
  if (t.plugin.empty()) return f.Error("plugin", "empty");
  return f.String("signature", t.signature);
}

Status ReadTaskResource(const FieldReader& f, Task& t) {
  auto resource = f.Get("resource");
  if (!resource.ok()) return resource.status();
  if ((*resource)->is_null()) {
    if (t.kind != PluginKind::kDiscovery)
      return f.Error("resource", "null, but a " + std::string(KindName(t.kind)) + " task needs a resource");
    return Status::Ok();
  }
  if (t.kind == PluginKind::kDiscovery) return f.Error("resource", "must be null for a discovery task");
  auto r = ResourceFromJson(**resource, "task: field \"resource\"");
  if (!r.ok()) return r.status();
  t.resource = std::move(*r);
  return Status::Ok();
}

}  // namespace

Result<Resource> ResourceFromJson(const json& j, std::string_view what) {
  if (!j.is_object())
    return Status::InvalidArgument(std::string(what) + ": expected an object, found " + j.type_name());
  FieldReader f(j, what);
  Resource r;
  PANOPTES_RETURN_IF_ERROR(ReadResourceFields(f, j, r));
  return r;
}

Result<Resource> ParseResource(std::string_view text) {
  auto j = ParseText(text, "resource");
  if (!j.ok()) return j.status();
  return ResourceFromJson(*j);
}

Result<MetricsGroup> MetricsGroupFromJson(const json& j) {
  MetricsGroup g;
  PANOPTES_RETURN_IF_ERROR(ReadMetricsGroup(j, g));
  return g;
}

Result<MetricsGroup> ParseMetricsGroup(std::string_view text) {
  auto j = ParseText(text, "metrics group");
  if (!j.ok()) return j.status();
  return MetricsGroupFromJson(*j);
}

Result<EnrichmentGroup> ParseEnrichmentGroup(std::string_view text) {
  auto j = ParseText(text, "enrichment group");
  if (!j.ok()) return j.status();
  PANOPTES_RETURN_IF_ERROR(RequireObject(*j, "enrichment group", ""));
  FieldReader f(*j, "enrichment group");
  EnrichmentGroup g;
  auto data = f.Get("data");
  if (!data.ok()) return data.status();
  if (!(*data)->is_object()) return f.WrongType("data", "an object", **data);
  g.data = **data;
  auto metadata = f.Get("metadata");
  if (!metadata.ok()) return metadata.status();
  PANOPTES_RETURN_IF_ERROR(RequireObject(**metadata, "enrichment group", "metadata"));
  FieldReader mf(**metadata, "enrichment group", "metadata.");
  PANOPTES_RETURN_IF_ERROR(mf.Number("_enrichment_group_creation_timestamp", g.creation_timestamp));
  PANOPTES_RETURN_IF_ERROR(mf.Int("_enrichment_ttl", g.ttl));
  PANOPTES_RETURN_IF_ERROR(mf.Int("_execute_frequency", g.interval));
  for (const auto& [k, v] : (*metadata)->items()) {
    if (k.empty() || k[0] != '_') g.extra_metadata[k] = v;
  }
  return g;
}

Result<Task> ParseTask(std::string_view text) {
  if (std::optional<Task> task = internal::ParseTaskFast(text)) return std::move(*task);
  return internal::ParseTaskSlow(text);
}

Result<Task> internal::ParseTaskSlow(std::string_view text) {
  auto j = ParseText(text, "task");
  if (!j.ok()) return j.status();
  PANOPTES_RETURN_IF_ERROR(RequireObject(*j, "task", ""));
  FieldReader f(*j, "task");
  Task t;
  PANOPTES_RETURN_IF_ERROR(ReadTaskHeader(f, t));
  PANOPTES_RETURN_IF_ERROR(ReadTaskResource(f, t));
  PANOPTES_RETURN_IF_ERROR(f.Number("scheduled_for", t.scheduled_for));
  PANOPTES_RETURN_IF_ERROR(f.Number("expires_at", t.expires_at));
  PANOPTES_RETURN_IF_ERROR(f.Number("time_limit", t.time_limit));
  return t;
}

}  // namespace panoptes::model
