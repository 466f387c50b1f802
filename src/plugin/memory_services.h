#pragma once
// In-memory plugin services (include/panoptes/plugin_services.h) for `panoptes-ctl run` and tests:
// kv with Redis-like semantics (expiry by a steady clock, glob find_keys, sets), secrets and stored
// enrichment filled by the caller. Not thread-safe (one plugin runs at a time).

#include <chrono>
#include <map>
#include <set>
#include <string>

#include "panoptes/plugin_services.h"

namespace panoptes::plugin {

class MemoryKvStore : public KvStore {
 public:
  Result<std::optional<std::string>> Get(const std::string& key) override;
  Status Set(const std::string& key, const std::string& value, std::optional<int64_t> expire_s) override;
  Result<std::optional<std::string>> GetSet(const std::string& key, const std::string& value) override;
  Status Delete(const std::string& key) override;
  Result<int64_t> Ttl(const std::string& key) override;
  Result<std::vector<std::string>> FindKeys(const std::string& pattern) override;
  Status SetAdd(const std::string& key, const std::string& member) override;
  Result<std::vector<std::string>> SetMembers(const std::string& key) override;

 private:
  using Clock = std::chrono::steady_clock;
  struct Value {
    std::string str;
    std::set<std::string> members;
    bool is_set = false;
    std::optional<Clock::time_point> expires;
  };
  Value* Find(const std::string& key);  // null when missing or expired (expired keys are dropped)
  std::map<std::string, Value> values_;
};

class MemorySecretStore : public SecretStore {
 public:
  void Put(const std::string& key, const std::string& value) { secrets_[key] = value; }
  Result<std::optional<std::string>> Get(const std::string& key) override;

 private:
  std::map<std::string, std::string> secrets_;
};

class MemoryEnrichmentSource : public EnrichmentSource {
 public:
  // `json` is the stored form of docs/plugin-api.md (model::SerializeEnrichmentGroup).
  void Put(const std::string& resource_id, const std::string& namespace_, const std::string& json) {
    stored_[resource_id + ":" + namespace_] = json;
  }
  Result<std::optional<std::string>> Fetch(const std::string& resource_id,
                                           const std::string& namespace_) override;

 private:
  std::map<std::string, std::string> stored_;
};

// Redis glob matching (`*`, `?`, `[...]` with ranges and `^` negation, `\` escapes), as KEYS/SCAN.
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace panoptes::plugin
