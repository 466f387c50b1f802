#include "consumer/line_protocol.h"

#include <charconv>
#include <cmath>
#include <map>

#include "model/json.h"

namespace panoptes::consumer {
namespace {

bool IsNameChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// Tag keys, tag values and field keys: ',', '=' and ' ' take a backslash. A line break or tab
// cannot be escaped in line protocol: it becomes an escaped space.
void AppendEscaped(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (c == ',' || c == '=' || c == ' ') out.push_back('\\');
    out.push_back(c);
  }
  // A trailing backslash would escape the separator that follows.
  if (!s.empty() && s.back() == '\\') out.push_back(' ');
}

bool AppendNumber(std::string& out, const MetricValue& value) {
  char buf[64];
  std::to_chars_result r{};
  if (const auto* i = std::get_if<int64_t>(&value)) {
    r = std::to_chars(buf, buf + sizeof buf, *i);
  } else {
    double d = std::get<double>(value);
    if (!std::isfinite(d)) return false;
    r = std::to_chars(buf, buf + sizeof buf, d);
  }
  out.append(buf, r.ptr);
  return true;
}

std::map<std::string, std::string> Tags(const MetricsGroup& g) {
  std::map<std::string, std::string> tags;
  for (const Dimension& d : g.dimensions) tags[d.name] = d.value;
  tags["resource_site"] = g.resource.site;
  tags["resource_class"] = g.resource.class_;
  tags["resource_subclass"] = g.resource.subclass;
  tags["resource_type"] = g.resource.type;
  tags["resource_endpoint"] = g.resource.endpoint;
  return tags;
}

}  // namespace

std::string Measurement(std::string_view group_type) {
  std::string out;
  bool in_run = false;
  for (char c : group_type) {
    if (IsNameChar(c)) {
      out.push_back(c);
      in_run = false;
    } else if (!in_run) {
      out.push_back('_');
      in_run = true;
    }
  }
  return out;
}

Result<std::string> ToLineProtocol(const MetricsGroup& group) {
  std::string line = Measurement(group.group_type);
  if (line.empty()) return Status::InvalidArgument("empty metrics_group_type");
  for (const auto& [key, value] : Tags(group)) {
    if (value.empty() || key.empty()) continue;
    line.push_back(',');
    AppendEscaped(line, key);
    line.push_back('=');
    AppendEscaped(line, value);
  }
  std::map<std::string, const MetricValue*> fields;
  for (const Metric& m : group.metrics) {
    fields[m.name + (m.type == MetricType::kCounter ? "__counter" : "__gauge")] = &m.value;
  }
  char separator = ' ';
  for (const auto& [key, value] : fields) {
    std::string field;
    AppendEscaped(field, key);
    field.push_back('=');
    if (!AppendNumber(field, *value)) continue;  // NaN and infinities have no line-protocol form
    line.push_back(separator);
    line += field;
    separator = ',';
  }
  if (separator == ' ') return Status::InvalidArgument("no metric with a finite value");
  line.push_back(' ');
  line += std::to_string(static_cast<int64_t>(std::floor(group.creation_timestamp)));
  return line;
}

Result<std::string> EntryToLineProtocol(std::string_view data) {
  auto group = model::ParseMetricsGroup(data);
  if (!group.ok()) return group.status();
  return ToLineProtocol(*group);
}

}  // namespace panoptes::consumer
