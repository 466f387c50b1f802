// The resource store over Redis (layout: docs/redis.md, "Resource store").
//
// Each entry of the data hash is "<expiry epoch> <id length> <id><resource JSON>": List() can
// drop expired entries without a second lookup, and the scripts can find an entry's id without
// decoding JSON.
#include "resources/store.h"

#include <charconv>
#include <cstdlib>

#include "model/json.h"
#include "redis/keys.h"

namespace panoptes::resources {
namespace {

constexpr int kScanCount = 1000;

// KEYS: data, expiry, ids, plugin set, version. ARGV: ttl_s, then (key, id, json) triples.
// Returns {vanished, expired purged}.
const redis::Script kPutScript(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local expiry = now + tonumber(ARGV[1])
local stamp = string.format('%.6f', expiry)
local function forget(key)
  local value = redis.call('HGET', KEYS[1], key)
  redis.call('HDEL', KEYS[1], key)
  redis.call('ZREM', KEYS[2], key)
  if not value then return end
  local len_start, len_end, len = string.find(value, '^%S+ (%d+) ')
  if not len then return end
  local id = string.sub(value, len_end + 1, len_end + tonumber(len))
  if redis.call('HGET', KEYS[3], id) == key then redis.call('HDEL', KEYS[3], id) end
end
local fresh = {}
for i = 2, #ARGV, 3 do
  local key, id, json = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  fresh[key] = true
  redis.call('HSET', KEYS[1], key, stamp .. ' ' .. #id .. ' ' .. id .. json)
  redis.call('ZADD', KEYS[2], stamp, key)
  redis.call('HSET', KEYS[3], id, key)
end
local vanished = 0
for _, key in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  if not fresh[key] then
    forget(key)
    vanished = vanished + 1
  end
end
redis.call('DEL', KEYS[4])
local batch = {}
for i = 2, #ARGV, 3 do
  batch[#batch + 1] = ARGV[i]
  if #batch == 1000 then
    redis.call('SADD', KEYS[4], unpack(batch))
    batch = {}
  end
end
if #batch > 0 then redis.call('SADD', KEYS[4], unpack(batch)) end
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', string.format('%.6f', now), 'LIMIT', 0, 10000)
for _, key in ipairs(expired) do forget(key) end
redis.call('INCR', KEYS[5])
return {vanished, #expired}
)lua");

// KEYS: ids, data. ARGV: resource id. Returns nil or {time s, time us, entry}.
const redis::Script kGetScript(R"lua(
local key = redis.call('HGET', KEYS[1], ARGV[1])
if not key then return false end
local value = redis.call('HGET', KEYS[2], key)
if not value then return false end
local t = redis.call('TIME')
return {t[1], t[2], value}
)lua");

struct Entry {
  double expiry = 0;
  std::string_view json;
};

// Splits "<expiry> <id length> <id><json>"; false if malformed.
bool SplitEntry(std::string_view value, Entry& entry) {
  const size_t space = value.find(' ');
  if (space == std::string_view::npos) return false;
  entry.expiry = std::strtod(std::string(value.substr(0, space)).c_str(), nullptr);
  const char* len_begin = value.data() + space + 1;
  const char* end = value.data() + value.size();
  size_t id_len = 0;
  auto [len_end, ec] = std::from_chars(len_begin, end, id_len);
  if (ec != std::errc() || len_end == end || *len_end != ' ') return false;
  const size_t json_start = static_cast<size_t>(len_end - value.data()) + 1 + id_len;
  if (json_start > value.size()) return false;
  entry.json = value.substr(json_start);
  return true;
}

// Server time in epoch seconds from the two strings of TIME.
Result<double> ServerTime(const redis::Reply& seconds, const redis::Reply& micros) {
  char* end = nullptr;
  const double s = std::strtod(seconds.str.c_str(), &end);
  const double us = std::strtod(micros.str.c_str(), nullptr);
  if (seconds.str.empty() || end == seconds.str.c_str())
    return Status::Internal("resource store: bad TIME reply");
  return s + us / 1e6;
}

}  // namespace

ResourceStore::ResourceStore(redis::Client& client, std::string key_prefix)
    : client_(client), prefix_(std::move(key_prefix)) {}

Status ResourceStore::PutDiscovered(const std::string& plugin_normalized_name,
                                    const std::vector<Resource>& resources, int ttl_s) {
  if (ttl_s <= 0) {
    return Status::InvalidArgument("resource store: ttl must be > 0 seconds, got " + std::to_string(ttl_s) +
                                   " (plugin " + plugin_normalized_name + ")");
  }
  redis::Args keys = {redis::keys::ResourceData(prefix_), redis::keys::ResourceExpiry(prefix_),
                      redis::keys::ResourceIds(prefix_),
                      redis::keys::ResourcesOfPlugin(prefix_, plugin_normalized_name),
                      redis::keys::ResourceVersion(prefix_)};
  redis::Args args;
  args.reserve(1 + 3 * resources.size());
  args.push_back(std::to_string(ttl_s));
  for (const Resource& r : resources) {
    args.push_back(r.Key());
    args.push_back(r.id);
    args.push_back(model::SerializeResource(r));
  }
  auto reply = client_.Eval(kPutScript, keys, args);
  if (!reply.ok())
    return reply.status().WithContext("resource store: storing discovery of " + plugin_normalized_name);
  return Status::Ok();
}

Result<std::vector<Resource>> ResourceStore::List() {
  auto time = client_.Command({"TIME"});
  if (!time.ok()) return time.status().WithContext("resource store: list");
  if (time->elements.size() != 2) return Status::Internal("resource store: bad TIME reply");
  auto now = ServerTime(time->elements[0], time->elements[1]);
  if (!now.ok()) return now.status();

  std::vector<Resource> out;
  const std::string data_key = redis::keys::ResourceData(prefix_);
  std::string cursor = "0";
  do {
    auto page = client_.Command({"HSCAN", data_key, cursor, "COUNT", std::to_string(kScanCount)});
    if (!page.ok()) return page.status().WithContext("resource store: list");
    if (page->elements.size() != 2) return Status::Internal("resource store: bad HSCAN reply");
    cursor = page->elements[0].str;
    const auto& fields = page->elements[1].elements;
    for (size_t i = 1; i < fields.size(); i += 2) {
      Entry entry;
      if (!SplitEntry(fields[i].str, entry)) {
        ++skipped_entries_;
        continue;
      }
      if (entry.expiry <= *now) continue;
      auto resource = model::ParseResource(entry.json);
      if (!resource.ok()) {
        ++skipped_entries_;
        continue;
      }
      out.push_back(std::move(*resource));
    }
  } while (cursor != "0");
  return out;
}

Result<std::optional<Resource>> ResourceStore::Get(const std::string& resource_id) {
  auto reply = client_.Eval(
      kGetScript, {redis::keys::ResourceIds(prefix_), redis::keys::ResourceData(prefix_)}, {resource_id});
  if (!reply.ok()) return reply.status().WithContext("resource store: get " + resource_id);
  if (reply->IsNil()) return std::optional<Resource>();
  if (reply->elements.size() != 3) return Status::Internal("resource store: bad reply to get " + resource_id);
  auto now = ServerTime(reply->elements[0], reply->elements[1]);
  if (!now.ok()) return now.status();
  Entry entry;
  if (!SplitEntry(reply->elements[2].str, entry)) {
    return Status::Internal("resource store: malformed entry for resource " + resource_id);
  }
  if (entry.expiry <= *now) return std::optional<Resource>();
  auto resource = model::ParseResource(entry.json);
  if (!resource.ok())
    return resource.status().WithContext("resource store: entry for resource " + resource_id);
  return std::optional<Resource>(std::move(*resource));
}

Result<int64_t> ResourceStore::Version() {
  auto reply = client_.Command({"GET", redis::keys::ResourceVersion(prefix_)});
  if (!reply.ok()) return reply.status().WithContext("resource store: version");
  if (reply->IsNil()) return int64_t{0};
  int64_t version = 0;
  const std::string& s = reply->str;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), version);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return Status::Internal("resource store: version counter is not an integer: " + s);
  }
  return version;
}

}  // namespace panoptes::resources
