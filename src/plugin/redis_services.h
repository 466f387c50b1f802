#pragma once
// Plugin services over Redis (docs/redis.md): context.kv on P:kv:<key>, context.secrets on
// P:secrets:<key> (read-only), context.enrichment reads P:enrichment:<resource_id>:<namespace>.
// They borrow the caller's redis::Client: same thread rules (one thread; the agent's worker).

#include <string>

#include "panoptes/plugin_services.h"
#include "redis/client.h"

namespace panoptes::plugin {

class RedisKvStore : public KvStore {
 public:
  // REQUIRES: `client` outlives the store. `prefix` is [redis] key_prefix.
  RedisKvStore(redis::Client& client, std::string prefix) : client_(client), prefix_(std::move(prefix)) {}
  Result<std::optional<std::string>> Get(const std::string& key) override;
  Status Set(const std::string& key, const std::string& value, std::optional<int64_t> expire_s) override;
  Result<std::optional<std::string>> GetSet(const std::string& key, const std::string& value) override;
  Status Delete(const std::string& key) override;
  Result<int64_t> Ttl(const std::string& key) override;
  // SCAN MATCH over P:kv:<pattern> (glob characters of the prefix escaped).
  Result<std::vector<std::string>> FindKeys(const std::string& pattern) override;
  Status SetAdd(const std::string& key, const std::string& member) override;
  Result<std::vector<std::string>> SetMembers(const std::string& key) override;

 private:
  redis::Client& client_;
  std::string prefix_;
};

class RedisSecretStore : public SecretStore {
 public:
  RedisSecretStore(redis::Client& client, std::string prefix) : client_(client), prefix_(std::move(prefix)) {}
  Result<std::optional<std::string>> Get(const std::string& key) override;

 private:
  redis::Client& client_;
  std::string prefix_;
};

class RedisEnrichmentSource : public EnrichmentSource {
 public:
  RedisEnrichmentSource(redis::Client& client, std::string prefix)
      : client_(client), prefix_(std::move(prefix)) {}
  Result<std::optional<std::string>> Fetch(const std::string& resource_id,
                                           const std::string& namespace_) override;

 private:
  redis::Client& client_;
  std::string prefix_;
};

}  // namespace panoptes::plugin
