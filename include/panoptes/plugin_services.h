#pragma once
// The services a running plugin reaches through its context (docs/plugin-api.md): `context.kv`,
// `context.secrets` and `context.enrichment`. Abstract interfaces so that the same plugin host runs
// against Redis in the daemons (src/plugin/redis_services.h, keys of docs/redis.md) and against memory in
// `panoptes-ctl run` and tests (src/plugin/memory_services.h).
//
// Every call returns a Status/Result: a failure (Redis down, ...) becomes a Python exception in the
// plugin (PanoptesPluginRuntimeError), never a crash. Implementations are not required to be
// thread-safe: one plugin runs at a time per process (the agent's workers are processes).
// Logging is not a service: context.logger records go to the spdlog logger "plugin", tagged with
// plugin name, signature, resource id and task id by the host.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "panoptes/status.h"

namespace panoptes {

// context.kv: a key/value store shared by all plugins of a site (P:kv:<key> in Redis). Keys are
// the plugin's keys, without any prefix.
class KvStore {
 public:
  virtual ~KvStore() = default;
  // The value, or nullopt when the key does not exist.
  virtual Result<std::optional<std::string>> Get(const std::string& key) = 0;
  // Sets the value; with expire_s (> 0) the key expires after that many seconds.
  virtual Status Set(const std::string& key, const std::string& value, std::optional<int64_t> expire_s) = 0;
  // Sets the value and returns the previous one (nullopt when there was none). Clears any expiry.
  virtual Result<std::optional<std::string>> GetSet(const std::string& key, const std::string& value) = 0;
  // Removes the key (a missing key is not an error).
  virtual Status Delete(const std::string& key) = 0;
  // Seconds to live, as Redis TTL: -2 when the key does not exist, -1 when it has no expiry.
  virtual Result<int64_t> Ttl(const std::string& key) = 0;
  // Keys matching a Redis glob pattern (`*`, `?`, `[...]`), sorted, without prefix.
  virtual Result<std::vector<std::string>> FindKeys(const std::string& pattern) = 0;
  // Adds `member` to the set at `key`.
  virtual Status SetAdd(const std::string& key, const std::string& member) = 0;
  // The members of the set at `key`, sorted; empty when the key does not exist.
  virtual Result<std::vector<std::string>> SetMembers(const std::string& key) = 0;
};

// context.secrets: read-only secrets (P:secrets:<key> in Redis).
class SecretStore {
 public:
  virtual ~SecretStore() = default;
  // The secret, or nullopt when it does not exist.
  virtual Result<std::optional<std::string>> Get(const std::string& key) = 0;

  // `<name>:<site>`, else `<name>:default` (as the original's get_by_site).
  Result<std::optional<std::string>> GetBySite(const std::string& name, const std::string& site) {
    auto v = Get(name + ":" + site);
    if (!v.ok() || v->has_value()) return v;
    return Get(name + ":default");
  }
};

// context.enrichment's source: what enrichment plugins stored (P:enrichment:<resource_id>:<ns>).
class EnrichmentSource {
 public:
  virtual ~EnrichmentSource() = default;
  // The stored enrichment group JSON text (docs/plugin-api.md), or nullopt when none is stored.
  virtual Result<std::optional<std::string>> Fetch(const std::string& resource_id,
                                                   const std::string& namespace_) = 0;
};

// The services of one run. Null pointers: the context attribute raises when used (kv, secrets)
// or is empty (enrichment).
struct PluginServices {
  KvStore* kv = nullptr;
  SecretStore* secrets = nullptr;
  EnrichmentSource* enrichment = nullptr;
};

}  // namespace panoptes
