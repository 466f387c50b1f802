// Serialization of the data model: direct string building (the agent's hot path), plus the
// nlohmann forms for callers composing documents. Parsing is in json_parse.cpp.
#include <charconv>
#include <cmath>

#include "model/json.h"

namespace panoptes::model {
namespace {

using nlohmann::json;

// Appends `"name":` (names are our own constants: no escaping needed).
void Key(std::string& out, std::string_view name) {
  out += '"';
  out += name;
  out += "\":";
}

void AppendInt(std::string& out, int64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, end);
}

void AppendStringField(std::string& out, std::string_view name, std::string_view value) {
  Key(out, name);
  AppendJsonString(out, value);
}

const char* MetricTypeName(MetricType type) {
  return type == MetricType::kCounter ? "counter" : "gauge";
}

void AppendMetric(std::string& out, const Metric& metric) {
  out += '{';
  AppendStringField(out, "metric_name", metric.name);
  out += ',';
  Key(out, "metric_value");
  if (const auto* i = std::get_if<int64_t>(&metric.value)) {
    AppendInt(out, *i);
  } else {
    AppendJsonDouble(out, std::get<double>(metric.value));
  }
  out += ",\"metric_type\":\"";
  out += MetricTypeName(metric.type);
  out += "\",";
  Key(out, "metric_creation_timestamp");
  AppendJsonDouble(out, metric.creation_timestamp);
  out += '}';
}

json DoubleToJson(double value) {
  return std::isfinite(value) ? json(value) : json(nullptr);
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t run_start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
  }
  out.append(s.data() + run_start, s.size() - run_start);
  out += '"';
}

void AppendJsonDouble(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  // Shortest round-trip digits, laid out as Python's repr does (fixed for exponents -4..15,
  // scientific otherwise) so that our output reads like the original's.
  char buf[40];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<size_t>(end - buf));
  const size_t e_pos = sci.find('e');
  int exponent = 0;
  const char* exp_begin = sci.data() + e_pos + 1;
  if (*exp_begin == '+') ++exp_begin;
  std::from_chars(exp_begin, end, exponent);
  if (exponent < -4 || exponent >= 16) {
    out += sci;
    return;
  }
  std::string_view mantissa = sci.substr(0, e_pos);
  if (mantissa.front() == '-') {
    out += '-';
    mantissa.remove_prefix(1);
  }
  char digits[24];
  size_t n = 0;
  for (char c : mantissa) {
    if (c != '.') digits[n++] = c;
  }
  const std::string_view d(digits, n);
  if (exponent < 0) {
    out += "0.";
    out.append(static_cast<size_t>(-exponent - 1), '0');
    out += d;
    return;
  }
  const auto int_len = static_cast<size_t>(exponent) + 1;
  if (d.size() <= int_len) {
    out += d;
    out.append(int_len - d.size(), '0');
    out += ".0";
  } else {
    out += d.substr(0, int_len);
    out += '.';
    out += d.substr(int_len);
  }
}

// --- Resource ---

void AppendResource(std::string& out, const Resource& r) {
  out += '{';
  AppendStringField(out, "resource_site", r.site);
  out += ',';
  AppendStringField(out, "resource_class", r.class_);
  out += ',';
  AppendStringField(out, "resource_subclass", r.subclass);
  out += ',';
  AppendStringField(out, "resource_type", r.type);
  out += ',';
  AppendStringField(out, "resource_id", r.id);
  out += ',';
  AppendStringField(out, "resource_endpoint", r.endpoint);
  out += ',';
  if (r.plugin.empty()) {  // None in Python (an empty name is refused there): null, as the original
    Key(out, "resource_plugin");
    out += "null";
  } else {
    AppendStringField(out, "resource_plugin", r.plugin);
  }
  out += ',';
  Key(out, "resource_creation_timestamp");
  AppendJsonDouble(out, r.creation_timestamp);
  out += ",\"resource_metadata\":{";
  bool first = true;
  for (const auto& [k, v] : r.metadata) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, k);
    out += ':';
    AppendJsonString(out, v);
  }
  out += "}}";
}

std::string SerializeResource(const Resource& resource) {
  std::string out;
  out.reserve(256);
  AppendResource(out, resource);
  return out;
}

json ResourceToJson(const Resource& r) {
  return json{{"resource_site", r.site},
              {"resource_class", r.class_},
              {"resource_subclass", r.subclass},
              {"resource_type", r.type},
              {"resource_id", r.id},
              {"resource_endpoint", r.endpoint},
              {"resource_plugin", r.plugin.empty() ? json(nullptr) : json(r.plugin)},
              {"resource_creation_timestamp", DoubleToJson(r.creation_timestamp)},
              {"resource_metadata", r.metadata}};
}

std::string SerializeResources(const std::vector<Resource>& resources) {
  std::string out = "{\"resources\":[";
  for (size_t i = 0; i < resources.size(); ++i) {
    if (i > 0) out += ',';
    AppendResource(out, resources[i]);
  }
  out += "]}";
  return out;
}

std::string SerializeResourceSet(const DiscoveryResult& result) {
  std::string out = SerializeResources(result.resources);
  out.pop_back();  // the closing brace
  out += ",\"resource_set_creation_timestamp\":";
  AppendJsonDouble(out, result.creation_timestamp);
  out += ",\"resource_set_schema_version\":\"";
  out += kResourceSetSchemaVersion;
  out += "\"}";
  return out;
}

// --- Metrics group ---

void AppendMetricsGroup(std::string& out, const MetricsGroup& g) {
  out += '{';
  AppendStringField(out, "metrics_group_type", g.group_type);
  out += ",\"metrics_group_interval\":";
  AppendInt(out, g.interval);
  out += ",\"metrics_group_creation_timestamp\":";
  AppendJsonDouble(out, g.creation_timestamp);
  out += ',';
  AppendStringField(out, "metrics_group_schema_version", g.schema_version);
  out += ",\"resource\":";
  AppendResource(out, g.resource);
  out += ",\"metrics\":[";
  for (size_t i = 0; i < g.metrics.size(); ++i) {
    if (i > 0) out += ',';
    AppendMetric(out, g.metrics[i]);
  }
  out += "],\"dimensions\":[";
  for (size_t i = 0; i < g.dimensions.size(); ++i) {
    if (i > 0) out += ',';
    out += '{';
    AppendStringField(out, "dimension_name", g.dimensions[i].name);
    out += ',';
    AppendStringField(out, "dimension_value", g.dimensions[i].value);
    out += '}';
  }
  out += "]}";
}

std::string SerializeMetricsGroup(const MetricsGroup& group) {
  std::string out;
  out.reserve(512 + 96 * group.metrics.size() + 64 * group.dimensions.size());
  AppendMetricsGroup(out, group);
  return out;
}

std::string SerializeMetricsGroups(const std::vector<MetricsGroup>& groups) {
  std::string out = "[";
  for (size_t i = 0; i < groups.size(); ++i) {
    if (i > 0) out += ',';
    AppendMetricsGroup(out, groups[i]);
  }
  out += ']';
  return out;
}

json MetricsGroupToJson(const MetricsGroup& g) {
  json metrics = json::array();
  for (const Metric& m : g.metrics) {
    json value = std::holds_alternative<int64_t>(m.value) ? json(std::get<int64_t>(m.value))
                                                          : DoubleToJson(std::get<double>(m.value));
    metrics.push_back({{"metric_name", m.name},
                       {"metric_value", std::move(value)},
                       {"metric_type", MetricTypeName(m.type)},
                       {"metric_creation_timestamp", DoubleToJson(m.creation_timestamp)}});
  }
  json dimensions = json::array();
  for (const Dimension& d : g.dimensions) {
    dimensions.push_back({{"dimension_name", d.name}, {"dimension_value", d.value}});
  }
  return json{{"metrics_group_type", g.group_type},
              {"metrics_group_interval", g.interval},
              {"metrics_group_creation_timestamp", DoubleToJson(g.creation_timestamp)},
              {"metrics_group_schema_version", g.schema_version},
              {"resource", ResourceToJson(g.resource)},
              {"metrics", std::move(metrics)},
              {"dimensions", std::move(dimensions)}};
}

// --- Enrichment group ---

json EnrichmentGroupToJson(const EnrichmentGroup& g) {
  json metadata = g.extra_metadata.is_object() ? g.extra_metadata : json::object();
  metadata["_enrichment_group_creation_timestamp"] = DoubleToJson(g.creation_timestamp);
  metadata["_enrichment_ttl"] = g.ttl;
  metadata["_execute_frequency"] = g.interval;
  return json{{"data", g.data}, {"metadata", std::move(metadata)}};
}

std::string SerializeEnrichmentGroup(const EnrichmentGroup& group) {
  // Invalid UTF-8 in plugin data is replaced (U+FFFD) rather than throwing.
  return EnrichmentGroupToJson(group).dump(-1, ' ', false, json::error_handler_t::replace);
}

// --- Task ---

std::string SerializeTask(const Task& t) {
  std::string out;
  out.reserve(512);
  out += "{\"v\":";
  AppendInt(out, t.v);
  out += ',';
  AppendStringField(out, "id", t.id);
  out += ',';
  AppendStringField(out, "kind", KindName(t.kind));
  out += ',';
  AppendStringField(out, "plugin", t.plugin);
  out += ',';
  AppendStringField(out, "signature", t.signature);
  out += ",\"resource\":";
  if (t.resource) {
    AppendResource(out, *t.resource);
  } else {
    out += "null";
  }
  out += ",\"scheduled_for\":";
  AppendJsonDouble(out, t.scheduled_for);
  out += ",\"expires_at\":";
  AppendJsonDouble(out, t.expires_at);
  out += ",\"time_limit\":";
  AppendJsonDouble(out, t.time_limit);
  out += '}';
  return out;
}

}  // namespace panoptes::model
