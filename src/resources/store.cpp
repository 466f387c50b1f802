// The resource store over Redis (layout: docs/redis.md, "Resource store").
//
// Each entry of the data hash is "<expiry epoch> <id length> <id><resource JSON>": List() can
// drop expired entries without a second lookup, and the scripts can find an entry's id without
// decoding JSON.
#include "resources/store.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "model/json.h"
#include "redis/keys.h"

namespace panoptes::resources {
namespace {

constexpr int kScanCount = 1000;

// One call of a chunked put (docs/redis.md, "Resource store"). KEYS: data, expiry, ids, plugin
// (sorted set: resource key -> number of the run that last stored it), version.
// ARGV: ttl_s (unused: each resource has its own), run number ('' on a put's first call: this
// call starts the run), budget, last ('1' when no resources follow), then (key, id, json, ttl_s)
// quadruples, at most `budget` of them.
// Writes the quadruples (skipping keys a later run of the plugin already stored). When `last`, removes
// up to (budget - triples) keys the plugin stored in earlier runs (vanished), and once none are
// left purges up to `budget` expired resources and bumps the version (the first call bumped it too,
// to take the run number). Returns {run, vanished, purged, done}: done = 0 means call again.
const redis::Script kPutScript(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
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
local run = ARGV[2]
if run == '' then
  if redis.call('TYPE', KEYS[4]).ok == 'set' then
    -- Written by a version that kept a plain set: convert once, as run 0.
    local members = redis.call('SMEMBERS', KEYS[4])
    redis.call('DEL', KEYS[4])
    for _, key in ipairs(members) do redis.call('ZADD', KEYS[4], 0, key) end
  end
  local n = redis.call('INCR', KEYS[5])
  -- Run numbers must grow per plugin even if the version key was reset.
  local top = redis.call('ZREVRANGE', KEYS[4], 0, 0, 'WITHSCORES')
  if top[2] and tonumber(top[2]) >= n then
    n = tonumber(top[2]) + 1
    redis.call('SET', KEYS[5], n)
  end
  run = tostring(n)
end
local run_number = tonumber(run)
local written = 0
for i = 5, #ARGV, 4 do
  local key, id, json = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local stamp = string.format('%.6f', now + tonumber(ARGV[i + 3]))
  local score = redis.call('ZSCORE', KEYS[4], key)
  if not score or tonumber(score) <= run_number then
    redis.call('HSET', KEYS[1], key, stamp .. ' ' .. #id .. ' ' .. id .. json)
    redis.call('ZADD', KEYS[2], stamp, key)
    redis.call('HSET', KEYS[3], id, key)
    redis.call('ZADD', KEYS[4], run, key)
  end
  written = written + 1
end
if ARGV[4] ~= '1' then return {run, 0, 0, 0} end
local budget = tonumber(ARGV[3]) - written
if budget <= 0 then return {run, 0, 0, 0} end
local vanished = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', '(' .. run, 'LIMIT', 0, budget)
for _, key in ipairs(vanished) do
  forget(key)
  redis.call('ZREM', KEYS[4], key)
end
if #vanished == budget then return {run, #vanished, 0, 0} end
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', string.format('%.6f', now), 'LIMIT', 0,
  tonumber(ARGV[3]))
for _, key in ipairs(expired) do forget(key) end
if ARGV[2] ~= '' then redis.call('INCR', KEYS[5]) end
return {run, #vanished, #expired, 1}
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

int ResourceTtl(const Resource& resource, int default_ttl_s) {
  auto it = resource.metadata.find("_resource_ttl");
  if (it == resource.metadata.end()) return default_ttl_s;
  int64_t ttl = 0;
  const std::string& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ttl);
  if (ec != std::errc() || end != text.data() + text.size() || ttl <= 0 || ttl > kMaxResourceTtl)
    return default_ttl_s;
  if (ttl == kConstructorResourceTtl) return default_ttl_s;
  return static_cast<int>(ttl);
}

ResourceStore::ResourceStore(redis::Client& client, std::string key_prefix)
    : client_(client), prefix_(std::move(key_prefix)) {}

struct ResourceStore::PutStep {
  std::string run;  // the put's run number (scores in the plugin's sorted set)
  bool done = false;
};

Result<ResourceStore::PutStep> ResourceStore::PutCall(const redis::Args& keys, const std::string& run,
                                                      int ttl_s, const std::vector<Resource>& resources,
                                                      size_t begin, size_t end, bool last) {
  redis::Args args;
  args.reserve(4 + 4 * (end - begin));
  args.push_back(std::to_string(ttl_s));
  args.push_back(run);
  args.push_back(std::to_string(chunk_size_));
  args.push_back(last ? "1" : "0");
  for (size_t i = begin; i < end; ++i) {
    args.push_back(resources[i].Key());
    args.push_back(resources[i].id);
    args.push_back(model::SerializeResource(resources[i]));
    args.push_back(std::to_string(ResourceTtl(resources[i], ttl_s)));
  }
  auto reply = client_.Eval(kPutScript, keys, args);
  if (!reply.ok()) return reply.status();
  if (reply->elements.size() != 4 || reply->elements[0].str.empty())
    return Status::Internal("resource store: bad reply to the put script");
  return PutStep{reply->elements[0].str, reply->elements[3].integer == 1};
}

Status ResourceStore::PutDiscovered(const std::string& plugin_normalized_name,
                                    const std::vector<Resource>& resources, int ttl_s) {
  if (ttl_s <= 0) {
    return Status::InvalidArgument("resource store: ttl must be > 0 seconds, got " + std::to_string(ttl_s) +
                                   " (plugin " + plugin_normalized_name + ")");
  }
  const redis::Args keys = {redis::keys::ResourceData(prefix_), redis::keys::ResourceExpiry(prefix_),
                            redis::keys::ResourceIds(prefix_),
                            redis::keys::ResourcesOfPlugin(prefix_, plugin_normalized_name),
                            redis::keys::ResourceVersion(prefix_)};
  // Writes first, chunk by chunk; the last call (and as many more as needed) removes the vanished.
  PutStep step;
  size_t begin = 0;
  do {
    const size_t end = std::min(begin + chunk_size_, resources.size());
    auto next = PutCall(keys, step.run, ttl_s, resources, begin, end, end == resources.size());
    if (!next.ok()) {
      return next.status().WithContext("resource store: storing discovery of " + plugin_normalized_name +
                                       " (" + std::to_string(begin) + " of " +
                                       std::to_string(resources.size()) + " resources written)");
    }
    step = std::move(*next);
    begin = end;
  } while (begin < resources.size());
  while (!step.done) {
    auto next = PutCall(keys, step.run, ttl_s, resources, begin, begin, true);
    if (!next.ok()) {
      return next.status().WithContext("resource store: removing what " + plugin_normalized_name +
                                       " no longer finds");
    }
    step = std::move(*next);
  }
  return Status::Ok();
}

Result<std::vector<Resource>> ResourceStore::List() {
  std::vector<Resource> out;
  Status st = ForEach([&out](Resource&& r) { out.push_back(std::move(r)); });
  if (!st.ok()) return st;
  return out;
}

Status ResourceStore::ForEach(const std::function<void(Resource&&)>& visit) {
  auto time = client_.Command({"TIME"});
  if (!time.ok()) return time.status().WithContext("resource store: list");
  if (time->elements.size() != 2) return Status::Internal("resource store: bad TIME reply");
  auto now = ServerTime(time->elements[0], time->elements[1]);
  if (!now.ok()) return now.status();

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
      visit(std::move(*resource));
    }
  } while (cursor != "0");
  return Status::Ok();
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
