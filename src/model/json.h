#pragma once
// JSON forms of the data model (docs/redis.md task message, docs/plugin-api.md result formats), with the original
// Panoptes' field names and types: timestamps are JSON floats, an int metric value stays an
// integer and a float metric value stays a float, resource_metadata is an object of strings.
//
// Serialize* build the text directly (no intermediate DOM) because the agent serializes ~10k
// metrics groups per second; *ToJson give an nlohmann::json when a caller composes documents.
// Parse* are strict: on failure the Status (kInvalidArgument) names the field path and the reason,
// e.g. `task: field "resource.resource_id": expected a string, found number`. Non-finite doubles
// (NaN, inf) are written as null, as JSON has no spelling for them.
// All functions are pure and thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/enrichment.h"
#include "panoptes/model.h"
#include "panoptes/status.h"

namespace panoptes::model {

// Appends `s` as a JSON string literal (quotes included): `"` `\` and control characters escaped
// (\n \t \r \b \f, others as \u00XX); UTF-8 bytes are copied as they are.
void AppendJsonString(std::string& out, std::string_view s);
// Appends a double as a JSON number, shortest text that round-trips, always with a '.' or an
// exponent so that it reads back as a float (1700000000 -> "1700000000.0"); null if not finite.
void AppendJsonDouble(std::string& out, double value);

// --- Resource (docs/plugin-api.md) ---
std::string SerializeResource(const Resource& resource);
void AppendResource(std::string& out, const Resource& resource);
nlohmann::json ResourceToJson(const Resource& resource);
// The seven string fields are required; resource_creation_timestamp (number) and
// resource_metadata (object of strings) are optional and default to 0 / empty.
// `what` prefixes error messages (e.g. "resource", "task: field \"resource\"").
Result<Resource> ResourceFromJson(const nlohmann::json& j, std::string_view what = "resource");
Result<Resource> ParseResource(std::string_view text);

// --- Metrics group (docs/plugin-api.md) ---
// The agent's hot path: one pass, one growing string.
std::string SerializeMetricsGroup(const MetricsGroup& group);
void AppendMetricsGroup(std::string& out, const MetricsGroup& group);
// A JSON array of groups (what `panoptes-ctl run` prints for a polling plugin).
std::string SerializeMetricsGroups(const std::vector<MetricsGroup>& groups);
nlohmann::json MetricsGroupToJson(const MetricsGroup& group);
// Every field of docs/plugin-api.md is required; metric_type is "gauge" or "counter".
Result<MetricsGroup> ParseMetricsGroup(std::string_view text);
Result<MetricsGroup> MetricsGroupFromJson(const nlohmann::json& j);

// --- Enrichment group (docs/plugin-api.md) ---
// {"data": group.data, "metadata": {"_enrichment_group_creation_timestamp": float,
//  "_enrichment_ttl": int, "_execute_frequency": int}}. namespace_ and resource are not part of
// the stored form (they are in the Redis key).
std::string SerializeEnrichmentGroup(const EnrichmentGroup& group);
nlohmann::json EnrichmentGroupToJson(const EnrichmentGroup& group);
// Fills data, ttl, interval and creation_timestamp; namespace_ and resource stay empty.
Result<EnrichmentGroup> ParseEnrichmentGroup(std::string_view text);

// --- Discovery result: {"resources": [...]} (what `panoptes-ctl run` prints for discovery) ---
std::string SerializeResources(const std::vector<Resource>& resources);
// The original's resource set message: {"resources": [...], "resource_set_creation_timestamp": ts,
// "resource_set_schema_version": "0.1"}, the fields its consumers' schema requires.
std::string SerializeResourceSet(const DiscoveryResult& result);
inline constexpr const char* kResourceSetSchemaVersion = "0.1";

// --- Task message (docs/redis.md) ---
std::string SerializeTask(const Task& task);
// Strict: bad JSON, a missing field, a wrong type, an unknown kind, v != 1, a resource that is
// not null for discovery or null for polling/enrichment are errors naming the field. Unknown
// extra fields are ignored (forward compatibility).
Result<Task> ParseTask(std::string_view text);

}  // namespace panoptes::model
