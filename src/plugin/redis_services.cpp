#include "plugin/redis_services.h"

#include <algorithm>

#include "redis/keys.h"

namespace panoptes::plugin {
namespace {

Result<std::optional<std::string>> StringReply(Result<redis::Reply> reply) {
  if (!reply.ok()) return reply.status();
  if (reply->IsNil()) return std::optional<std::string>();
  return std::optional<std::string>(reply->str);
}

Status NoReply(Result<redis::Reply> reply) {
  return reply.status();
}

std::string EscapeGlob(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

Result<std::optional<std::string>> RedisKvStore::Get(const std::string& key) {
  return StringReply(client_.Command({"GET", redis::keys::Kv(prefix_, key)}));
}

Status RedisKvStore::Set(const std::string& key, const std::string& value, std::optional<int64_t> expire_s) {
  redis::Args args{"SET", redis::keys::Kv(prefix_, key), value};
  if (expire_s) {
    args.push_back("EX");
    args.push_back(std::to_string(*expire_s));
  }
  return NoReply(client_.Command(args));
}

Result<std::optional<std::string>> RedisKvStore::GetSet(const std::string& key, const std::string& value) {
  return StringReply(client_.Command({"GETSET", redis::keys::Kv(prefix_, key), value}));
}

Status RedisKvStore::Delete(const std::string& key) {
  return NoReply(client_.Command({"DEL", redis::keys::Kv(prefix_, key)}));
}

Result<int64_t> RedisKvStore::Ttl(const std::string& key) {
  auto reply = client_.Command({"TTL", redis::keys::Kv(prefix_, key)});
  if (!reply.ok()) return reply.status();
  return reply->integer;
}

Result<std::vector<std::string>> RedisKvStore::FindKeys(const std::string& pattern) {
  const std::string key_prefix = redis::keys::Kv(prefix_, "");
  const std::string match = EscapeGlob(key_prefix) + pattern;
  std::vector<std::string> keys;
  std::string cursor = "0";
  do {
    auto reply = client_.Command({"SCAN", cursor, "MATCH", match, "COUNT", "1000"});
    if (!reply.ok()) return reply.status();
    if (reply->elements.size() != 2) return Status::RedisError("SCAN: unexpected reply");
    cursor = reply->elements[0].str;
    for (const auto& k : reply->elements[1].elements) keys.push_back(k.str.substr(key_prefix.size()));
  } while (cursor != "0");
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());  // SCAN may return a key twice
  return keys;
}

Status RedisKvStore::SetAdd(const std::string& key, const std::string& member) {
  return NoReply(client_.Command({"SADD", redis::keys::Kv(prefix_, key), member}));
}

Result<std::vector<std::string>> RedisKvStore::SetMembers(const std::string& key) {
  auto reply = client_.Command({"SMEMBERS", redis::keys::Kv(prefix_, key)});
  if (!reply.ok()) return reply.status();
  std::vector<std::string> members;
  for (const auto& m : reply->elements) members.push_back(m.str);
  std::sort(members.begin(), members.end());
  return members;
}

Result<std::optional<std::string>> RedisSecretStore::Get(const std::string& key) {
  return StringReply(client_.Command({"GET", redis::keys::Secrets(prefix_, key)}));
}

Result<std::optional<std::string>> RedisEnrichmentSource::Fetch(const std::string& resource_id,
                                                                const std::string& namespace_) {
  return StringReply(client_.Command({"GET", redis::keys::Enrichment(prefix_, resource_id, namespace_)}));
}

}  // namespace panoptes::plugin
