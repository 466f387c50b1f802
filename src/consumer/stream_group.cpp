#include "consumer/stream_group.h"

#include <chrono>

#include "model/json.h"
#include "redis/keys.h"

namespace panoptes::consumer {
namespace {

// KEYS: stream, overflow counter; ARGV: this group's name.
// Trims below the oldest entry any group still needs: for each group its oldest pending entry, else
// its last delivered one (MINID keeps entries >= the id). Returns
// {trimmed, pending, lag or -1, oldest unacknowledged id or '', server time ms, overflow}.
constexpr const char* kMaintain = R"lua(
local function older(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or (am == bm and as < bs)
end
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local overflow = tonumber(redis.call('GET', KEYS[2]) or '0')
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {0, 0, 0, '', now_ms, overflow}
end
local min, mine = nil, nil
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local f = {}
  for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
  local need = f['last-delivered-id']
  local oldest = nil
  if f['pending'] > 0 then
    need = redis.call('XPENDING', KEYS[1], f['name'])[2]
    oldest = need
  end
  if min == nil or older(need, min) then min = need end
  if f['name'] == ARGV[1] then
    if oldest == nil then
      local next = redis.call('XRANGE', KEYS[1], '(' .. f['last-delivered-id'], '+', 'COUNT', 1)
      if #next > 0 then oldest = next[1][1] end
    end
    mine = {f['pending'], f['lag'] or -1, oldest or ''}
  end
end
local trimmed = 0
if min ~= nil then
  trimmed = redis.call('XTRIM', KEYS[1], 'MINID', '~', min)
end
mine = mine or {0, -1, ''}
return {trimmed, mine[1], mine[2], mine[3], now_ms, overflow}
)lua";

double IdMs(const std::string& id) {
  return std::strtod(id.c_str(), nullptr);
}

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

StreamGroup::StreamGroup(redis::Client& client, std::string prefix, std::vector<std::string> sites,
                         std::string group, std::string consumer)
    : client_(client),
      prefix_(std::move(prefix)),
      sites_(std::move(sites)),
      group_(std::move(group)),
      consumer_(std::move(consumer)) {
  for (const std::string& site : sites_) {
    std::string key = redis::keys::Metrics(prefix_, site);
    streams_.push_back(key);
    site_of_[key] = site;
    pending_cursor_[key] = "0";
    claim_cursor_[key] = "0-0";
  }
}

Status StreamGroup::Ensure() {
  for (const std::string& stream : streams_) {
    auto r = client_.Command({"XGROUP", "CREATE", stream, group_, "0", "MKSTREAM"});
    if (!r.ok() && r.status().message().find("BUSYGROUP") == std::string::npos) {
      return r.status().WithContext("create consumer group " + group_ + " on " + stream);
    }
  }
  return Status::Ok();
}

Result<redis::Reply> StreamGroup::Run(const redis::Args& argv, std::chrono::milliseconds block) {
  for (int attempt = 0;; ++attempt) {
    auto r = block.count() > 0 ? client_.Blocking(argv, block) : client_.Command(argv);
    if (r.ok() || attempt == 1 || r.status().message().find("NOGROUP") == std::string::npos) return r;
    PANOPTES_RETURN_IF_ERROR(Ensure());
  }
}

Result<std::vector<Entry>> StreamGroup::ParseRead(const redis::Reply& reply) const {
  std::vector<Entry> out;
  if (reply.IsNil()) return out;
  for (const redis::Reply& stream : reply.elements) {
    if (stream.elements.size() != 2) return Status::Internal("XREADGROUP: unexpected reply");
    const std::string& key = stream.elements[0].str;
    auto site = site_of_.find(key);
    if (site == site_of_.end()) return Status::Internal("XREADGROUP: reply for unknown stream " + key);
    for (const redis::Reply& e : stream.elements[1].elements) {
      if (e.elements.empty()) continue;
      Entry entry{key, site->second, e.elements[0].str, std::nullopt};
      if (e.elements.size() > 1) {
        const auto& fields = e.elements[1].elements;
        for (size_t i = 0; i + 1 < fields.size(); i += 2) {
          if (fields[i].str == "data") entry.data = fields[i + 1].str;
        }
        if (!entry.data && !e.elements[1].IsNil()) entry.data = "";  // no `data` field: invalid, not lost
      }
      out.push_back(std::move(entry));
    }
  }
  return out;
}

Result<std::vector<Entry>> StreamGroup::ReadOwnPending(size_t count) {
  std::vector<Entry> out;
  for (const std::string& stream : streams_) {
    std::string& cursor = pending_cursor_[stream];
    if (cursor.empty()) continue;  // done
    auto r = Run({"XREADGROUP", "GROUP", group_, consumer_, "COUNT", std::to_string(count), "STREAMS", stream,
                  cursor});
    if (!r.ok()) return r.status().WithContext("read own pending entries of " + stream);
    auto entries = ParseRead(*r);
    if (!entries.ok()) return entries.status();
    if (entries->empty()) {
      cursor.clear();
      continue;
    }
    cursor = entries->back().id;
    for (Entry& e : *entries) out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<Entry>> StreamGroup::ReadNew(size_t count, std::chrono::milliseconds block) {
  redis::Args argv = {"XREADGROUP", "GROUP", group_, consumer_, "COUNT", std::to_string(count)};
  if (block.count() > 0) argv.insert(argv.end(), {"BLOCK", std::to_string(block.count())});
  argv.push_back("STREAMS");
  argv.insert(argv.end(), streams_.begin(), streams_.end());
  for (size_t i = 0; i < streams_.size(); ++i) argv.push_back(">");
  auto r = Run(argv, block);
  if (!r.ok()) return r.status().WithContext("read the metrics streams");
  return ParseRead(*r);
}

Result<std::vector<Entry>> StreamGroup::Claim(std::chrono::milliseconds min_idle, size_t count,
                                              int64_t& lost) {
  std::vector<Entry> out;
  lost = 0;
  for (const std::string& stream : streams_) {
    std::string& cursor = claim_cursor_[stream];
    auto r = Run({"XAUTOCLAIM", stream, group_, consumer_, std::to_string(min_idle.count()), cursor, "COUNT",
                  std::to_string(count)});
    if (!r.ok()) return r.status().WithContext("claim idle entries of " + stream);
    if (r->elements.size() < 2) return Status::Internal("XAUTOCLAIM: unexpected reply");
    cursor = r->elements[0].str;
    redis::Reply as_read;  // the XREADGROUP shape, to share its parser
    as_read.type = redis::Reply::Type::kArray;
    redis::Reply pair;
    pair.type = redis::Reply::Type::kArray;
    pair.elements = {redis::Reply{redis::Reply::Type::kString, stream, 0, {}}, r->elements[1]};
    as_read.elements.push_back(std::move(pair));
    auto entries = ParseRead(as_read);
    if (!entries.ok()) return entries.status();
    if (r->elements.size() > 2) lost += static_cast<int64_t>(r->elements[2].elements.size());
    for (Entry& e : *entries) out.push_back(std::move(e));
  }
  return out;
}

Status StreamGroup::Touch(const std::vector<Entry>& entries) {
  std::map<std::string, redis::Args> by_stream;
  for (const Entry& e : entries) {
    auto& argv = by_stream[e.stream];
    if (argv.empty()) argv = {"XCLAIM", e.stream, group_, consumer_, "0"};
    argv.push_back(e.id);
  }
  std::vector<redis::Args> commands;
  for (auto& [stream, argv] : by_stream) {
    argv.push_back("JUSTID");
    commands.push_back(std::move(argv));
  }
  if (commands.empty()) return Status::Ok();
  auto r = client_.Pipeline(commands);
  return r.ok() ? Status::Ok() : r.status().WithContext("keep held entries");
}

Status StreamGroup::Ack(const std::vector<Entry>& entries) {
  std::map<std::string, redis::Args> by_stream;
  for (const Entry& e : entries) {
    auto& argv = by_stream[e.stream];
    if (argv.empty()) argv = {"XACK", e.stream, group_};
    argv.push_back(e.id);
  }
  std::vector<redis::Args> commands;
  for (auto& [stream, argv] : by_stream) commands.push_back(std::move(argv));
  if (commands.empty()) return Status::Ok();
  auto r = client_.Pipeline(commands);
  if (!r.ok()) return r.status().WithContext("acknowledge " + std::to_string(entries.size()) + " entries");
  for (const redis::Reply& reply : *r) {
    if (reply.IsError()) return Status::RedisError("XACK: " + reply.str);
  }
  return Status::Ok();
}

Status StreamGroup::DeadLetter(const Entry& entry, const std::string& line, const std::string& reason) {
  std::string record = "{\"stream\":";
  model::AppendJsonString(record, entry.stream);
  record += ",\"id\":";
  model::AppendJsonString(record, entry.id);
  record += ",\"entry\":";
  model::AppendJsonString(record, entry.data.value_or(""));
  record += ",\"line\":";
  model::AppendJsonString(record, line);
  record += ",\"reason\":";
  model::AppendJsonString(record, reason);
  record += ",\"at\":";
  model::AppendJsonDouble(record, WallSeconds());
  record += "}";
  auto r = client_.Pipeline({{"MULTI"},
                             {"LPUSH", redis::keys::ConsumerDeadletter(prefix_), record},
                             {"XACK", entry.stream, group_, entry.id},
                             {"EXEC"}});
  if (!r.ok()) return r.status().WithContext("dead-letter entry " + entry.id);
  if (r->back().IsError() || r->back().IsNil()) return Status::RedisError("dead-letter entry " + entry.id);
  return Status::Ok();
}

Result<int> StreamGroup::PruneConsumers(std::chrono::milliseconds idle) {
  int removed = 0;
  for (const std::string& stream : streams_) {
    auto r = Run({"XINFO", "CONSUMERS", stream, group_});
    if (!r.ok()) return r.status().WithContext("list the consumers of " + stream);
    for (const redis::Reply& c : r->elements) {
      std::string name;
      int64_t pending = -1, idle_ms = -1;
      for (size_t i = 0; i + 1 < c.elements.size(); i += 2) {
        const std::string& field = c.elements[i].str;
        if (field == "name") name = c.elements[i + 1].str;
        if (field == "pending") pending = c.elements[i + 1].integer;
        if (field == "idle") idle_ms = c.elements[i + 1].integer;
      }
      if (name.empty() || name == consumer_ || pending != 0 || idle_ms < idle.count()) continue;
      auto del = client_.Command({"XGROUP", "DELCONSUMER", stream, group_, name});
      if (!del.ok()) return del.status().WithContext("remove consumer " + name);
      ++removed;
    }
  }
  return removed;
}

Result<std::map<std::string, StreamState>> StreamGroup::Maintain() {
  static const redis::Script script(kMaintain);
  std::map<std::string, StreamState> out;
  for (size_t i = 0; i < streams_.size(); ++i) {
    auto r = client_.Eval(script, {streams_[i], redis::keys::MetricsOverflow(prefix_, sites_[i])}, {group_});
    if (!r.ok()) return r.status().WithContext("maintain " + streams_[i]);
    const auto& el = r->elements;
    if (el.size() != 6) return Status::Internal("maintain " + streams_[i] + ": unexpected reply");
    StreamState s;
    s.trimmed = el[0].integer;
    s.pending = el[1].integer;
    s.lag = el[2].integer;
    if (!el[3].str.empty())
      s.oldest_age_s = std::max(0.0, (static_cast<double>(el[4].integer) - IdMs(el[3].str)) / 1000);
    s.overflow = el[5].integer;
    out[sites_[i]] = s;
  }
  return out;
}

}  // namespace panoptes::consumer
