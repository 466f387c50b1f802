#pragma once
// Every Redis key name of the project (docs/redis.md and docs/redis.md), built from the configured
// key_prefix P. Key names live only here; the layout is documented in docs/redis.md.
// Pure functions, thread-safe.

#include <initializer_list>
#include <string>
#include <string_view>

#include "panoptes/kind.h"

namespace panoptes::redis::keys {

// "<prefix>:<a>[:<b>...]".
std::string Join(std::string_view prefix, std::initializer_list<std::string_view> parts);

// --- docs/redis.md ---
inline std::string Tasks(std::string_view p, PluginKind k) {
  return Join(p, {"tasks", KindName(k)});
}
inline std::string Lock(std::string_view p, PluginKind k, std::string_view normalized_name,
                        std::string_view signature) {
  return Join(p, {"lock", KindName(k), normalized_name, signature});
}
inline std::string Meta(std::string_view p, PluginKind k, std::string_view normalized_name,
                        std::string_view signature) {
  return Join(p, {"meta", KindName(k), normalized_name, signature});
}
inline std::string Metrics(std::string_view p, std::string_view site) {
  return Join(p, {"metrics", site});
}
inline std::string Enrichment(std::string_view p, std::string_view resource_id, std::string_view ns) {
  return Join(p, {"enrichment", resource_id, ns});
}
inline std::string Kv(std::string_view p, std::string_view key) {
  return Join(p, {"kv", key});
}
inline std::string Secrets(std::string_view p, std::string_view key) {
  return Join(p, {"secrets", key});
}
inline std::string Deadletter(std::string_view p, PluginKind k) {
  return Join(p, {"deadletter", KindName(k)});
}
inline std::string Leader(std::string_view p, PluginKind k) {
  return Join(p, {"leader", KindName(k)});
}

// --- Metrics streams and their consumers (docs/redis.md, "Consumer") ---
// Entries the metrics_maxlen cap trimmed while a consumer group existed (INCRBY in the agent's
// step script, which derives it as the stream key followed by ":overflow").
inline std::string MetricsOverflow(std::string_view p, std::string_view site) {
  return Join(p, {"metrics", site, "overflow"});
}
// Stream entries panoptes-consumer could not turn into points, or whose points the database
// rejected: {"stream", "id", "entry", "line", "reason", "at"}.
inline std::string ConsumerDeadletter(std::string_view p) {
  return Join(p, {"deadletter", "consumer"});
}

// Counter state of a [transforms] rate: "<value>|<timestamp>", TTL 3 x the group's interval.
// `counter_key` = "<resource_id>|<group_type>|<dimension name>|<value>...|<metric name>".
inline std::string RateState(std::string_view p, std::string_view counter_key) {
  return Join(p, {"rate", counter_key});
}

// --- Resource store (docs/redis.md, "Resource store") ---
inline std::string ResourceData(std::string_view p) {
  return Join(p, {"resources", "data"});
}
inline std::string ResourceExpiry(std::string_view p) {
  return Join(p, {"resources", "expiry"});
}
inline std::string ResourceIds(std::string_view p) {
  return Join(p, {"resources", "ids"});
}
inline std::string ResourcesOfPlugin(std::string_view p, std::string_view normalized_name) {
  return Join(p, {"resources", "plugin", normalized_name});
}
inline std::string ResourceVersion(std::string_view p) {
  return Join(p, {"resources", "version"});
}

// --- Scheduler (docs/redis.md, "Scheduler") ---
inline std::string Schedule(std::string_view p, PluginKind k) {
  return Join(p, {"schedule", KindName(k)});
}
inline std::string ScheduleEntries(std::string_view p, PluginKind k) {
  return Join(p, {"schedule", KindName(k), "entries"});
}
// Per plugin: what every task of its entries shares (scheduler::PluginRecord).
inline std::string SchedulePlugins(std::string_view p, PluginKind k) {
  return Join(p, {"schedule", KindName(k), "plugins"});
}
inline std::string ScheduleDigests(std::string_view p, PluginKind k) {
  return Join(p, {"schedule", KindName(k), "digests"});
}
// Counter bumped at the start and at the end of every rebuild (a writer's cached digests are
// current while it alone has bumped it since).
inline std::string ScheduleWrites(std::string_view p, PluginKind k) {
  return Join(p, {"schedule", KindName(k), "writes"});
}

// --- Agent (docs/redis.md, "Agent") ---
// Worker ids are "<host>:<supervisor pid>:<random>:<kind>:<slot>:<generation>" (agent/supervisor.cpp).
inline std::string AgentWorkers(std::string_view p, PluginKind k) {
  return Join(p, {"agent", "workers", KindName(k)});
}
inline std::string AgentInflight(std::string_view p, std::string_view worker_id) {
  return Join(p, {"agent", "inflight", worker_id});
}
inline std::string AgentRunning(std::string_view p, std::string_view worker_id) {
  return Join(p, {"agent", "running", worker_id});
}
inline std::string AgentHeartbeat(std::string_view p, std::string_view worker_id) {
  return Join(p, {"agent", "heartbeat", worker_id});
}

// --- Quarantine and freshness (docs/redis.md, "Quarantine and freshness") ---
// Members of both sorted sets are schedule entry ids "<normalized_name>:<signature>"; a whole
// plugin in quarantine is the member "<normalized_name>" (normalized names hold no ':').
inline std::string Quarantine(std::string_view p, PluginKind k) {
  return Join(p, {"agent", "quarantine", KindName(k)});
}
inline std::string PluginQuarantine(std::string_view p, PluginKind k, std::string_view normalized_name) {
  return Join(p, {"agent", "quarantine", KindName(k), normalized_name});
}
inline std::string Freshness(std::string_view p, PluginKind k) {
  return Join(p, {"agent", "freshness", KindName(k)});
}

}  // namespace panoptes::redis::keys
