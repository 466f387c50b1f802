#pragma once
// The data model of docs/redis.md and docs/plugin-api.md: resources, metrics groups and tasks
// (enrichment groups: src/model/enrichment.h). Plain value types; JSON conversion lives in
// src/model/json.h. Timestamps are epoch seconds (double).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "panoptes/kind.h"

namespace panoptes {

struct Resource {
  std::string site;
  std::string class_;
  std::string subclass;
  std::string type;
  std::string id;
  std::string endpoint;
  std::string plugin;
  double creation_timestamp = 0;
  std::map<std::string, std::string> metadata;

  // "plugin|<p>|site|<s>|class|<c>|subclass|<sc>|type|<t>|id|<i>|endpoint|<e>" (docs/plugin-api.md).
  std::string Key() const;
  bool operator==(const Resource&) const = default;
};

enum class MetricType { kGauge, kCounter };

// int64 for Python ints, double for floats: the JSON keeps the distinction.
using MetricValue = std::variant<int64_t, double>;

struct Metric {
  std::string name;
  MetricValue value = int64_t{0};
  MetricType type = MetricType::kGauge;
  double creation_timestamp = 0;
  bool operator==(const Metric&) const = default;
};

struct Dimension {
  std::string name;
  std::string value;
  bool operator==(const Dimension&) const = default;
};

struct MetricsGroup {
  std::string group_type;
  int interval = 0;
  double creation_timestamp = 0;
  std::string schema_version = "0.2";
  Resource resource;
  std::vector<Metric> metrics;
  std::vector<Dimension> dimensions;
  bool operator==(const MetricsGroup&) const = default;
};

// What one run produced, by kind. (An enrichment run's groups hold JSON data: EnrichmentGroup and
// EnrichmentResult are in src/model/enrichment.h, so that this header does not expose a JSON
// library.)
struct DiscoveryResult {
  std::vector<Resource> resources;
  double creation_timestamp = 0;  // the set's resource_set_creation_timestamp (epoch s)
};
struct PollingResult {
  std::vector<MetricsGroup> groups;
};

// A task message (docs/redis.md).
struct Task {
  int v = 1;
  std::string id;
  PluginKind kind = PluginKind::kPolling;
  std::string plugin;                // Name
  std::string signature;             // hex MD5, docs/plugin-files.md
  std::optional<Resource> resource;  // null for discovery
  double scheduled_for = 0;
  double expires_at = 0;
  double time_limit = 0;
};

}  // namespace panoptes
