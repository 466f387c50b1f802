#include "scheduler/redis_schedule_store.h"

#include "scheduler/lua_sources.h"

#include <charconv>
#include <chrono>
#include <functional>
#include <optional>
#include <unordered_map>

#include "redis/keys.h"

namespace panoptes::scheduler {
namespace {

// Entries per HSET/ZADD/HDEL command and commands per pipeline: large enough to make 100k entries
// a handful of round trips, small enough to keep each reply and argv modest.
constexpr size_t kEntriesPerCommand = 1000;
// Changed entries held before writing them out: bounds the memory of a large rebuild.
constexpr size_t kEntriesPerFlush = 5000;
using Clock = std::chrono::steady_clock;

const redis::Script& DispatchScript() {
  static const redis::Script script(kDispatchLua);
  return script;
}

int64_t ToInt(const std::string& s, int64_t fallback) {
  int64_t value = fallback;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc()) return fallback;
  // Scores come back as "1700000000000" or, from ZSCORE of a double, possibly "1.7e+12".
  if (ptr != s.data() + s.size()) return static_cast<int64_t>(std::stod(s));
  return value;
}

// Collects the write commands of a rebuild, one multi-key command per kEntriesPerCommand entries.
class DiffWriter {
 public:
  DiffWriter(const std::string& entries_key, const std::string& digests_key, const std::string& schedule_key)
      : entries_key_(entries_key), digests_key_(digests_key), schedule_key_(schedule_key) {}

  void Set(const Entry& entry, const std::string& digest, std::optional<int64_t> due_ms) {
    ++pending_;
    Append(hset_entries_, {"HSET", entries_key_}, {entry.id, entry.value});
    Append(hset_digests_, {"HSET", digests_key_}, {entry.id, digest});
    if (due_ms) Append(zadd_, {"ZADD", schedule_key_}, {std::to_string(*due_ms), entry.id});
  }
  void Remove(const std::string& id) {
    ++pending_;
    Append(zrem_, {"ZREM", schedule_key_}, {id});
    Append(hdel_entries_, {"HDEL", entries_key_}, {id});
    Append(hdel_digests_, {"HDEL", digests_key_}, {id});
  }
  // Moves the finished commands out: the entries hash is written before the sorted set refers to
  // an entry, and an entry leaves the sorted set before its value goes.
  // Entries set or removed since the last Take.
  size_t pending() const { return pending_; }
  std::vector<redis::Args> Take() {
    pending_ = 0;
    std::vector<redis::Args> out;
    for (auto* group : {&hset_entries_, &hset_digests_, &zadd_, &zrem_, &hdel_entries_, &hdel_digests_}) {
      for (redis::Args& command : *group) out.push_back(std::move(command));
      group->clear();
    }
    return out;
  }

 private:
  static void Append(std::vector<redis::Args>& group, redis::Args head,
                     std::initializer_list<std::string> items) {
    size_t per = items.size() * kEntriesPerCommand;
    if (group.empty() || group.back().size() >= head.size() + per) group.push_back(std::move(head));
    for (const std::string& item : items) group.back().push_back(item);
  }

  const std::string& entries_key_;
  const std::string& digests_key_;
  const std::string& schedule_key_;
  size_t pending_ = 0;
  std::vector<redis::Args> hset_entries_, hset_digests_, zadd_, zrem_, hdel_entries_, hdel_digests_;
};

}  // namespace

RedisScheduleStore::RedisScheduleStore(redis::Client& client, const std::string& key_prefix, PluginKind kind)
    : client_(client),
      leader_key_(redis::keys::Leader(key_prefix, kind)),
      schedule_key_(redis::keys::Schedule(key_prefix, kind)),
      entries_key_(redis::keys::ScheduleEntries(key_prefix, kind)),
      digests_key_(redis::keys::ScheduleDigests(key_prefix, kind)),
      tasks_key_(redis::keys::Tasks(key_prefix, kind)) {}

Result<int64_t> RedisScheduleStore::ServerTimeMs() {
  auto reply = client_.Command({"TIME"});
  if (!reply.ok()) return reply.status();
  if (reply->elements.size() != 2) return Status::Internal("TIME: unexpected reply");
  return ToInt(reply->elements[0].str, 0) * 1000 + ToInt(reply->elements[1].str, 0) / 1000;
}

Status RedisScheduleStore::ReadDigests(const std::string& match, Digests& out) {
  std::string cursor = "0";
  do {
    redis::Args scan{"HSCAN", digests_key_, cursor, "COUNT", "10000"};
    if (!match.empty()) scan.insert(scan.end(), {"MATCH", match});
    auto reply = client_.Command(scan);
    if (!reply.ok()) return reply.status();
    if (reply->elements.size() != 2) return Status::Internal("HSCAN " + digests_key_ + ": unexpected reply");
    cursor = reply->elements[0].str;
    auto& items = reply->elements[1].elements;
    for (size_t i = 0; i + 1 < items.size(); i += 2)
      out.emplace_back(std::move(items[i].str), std::move(items[i + 1].str));
  } while (cursor != "0");
  return Status::Ok();
}

// Sends a batch without waiting for it; first reads the replies of the batch sent before, which
// Redis ran while this one was being built (the C++ side of a rebuild and Redis' side overlap).
Status RedisScheduleStore::Flush(std::vector<redis::Args>& commands, RebuildStats& stats,
                                 size_t& outstanding) {
  if (outstanding > 0) PANOPTES_RETURN_IF_ERROR(Collect(outstanding, stats));
  if (commands.empty()) return Status::Ok();
  PANOPTES_RETURN_IF_ERROR(client_.SendPipeline(commands));
  outstanding = commands.size();
  commands.clear();
  return Status::Ok();
}

Status RedisScheduleStore::Collect(size_t& outstanding, RebuildStats& stats) {
  auto replies = client_.ReceivePipeline(outstanding);
  outstanding = 0;
  ++stats.round_trips;
  if (!replies.ok()) return replies.status();
  for (const redis::Reply& r : *replies) {
    if (r.IsError()) return Status::RedisError("schedule rebuild of " + schedule_key_ + ": " + r.str);
  }
  return Status::Ok();
}

Result<RebuildStats> RedisScheduleStore::Rebuild(const EntrySource& source) {
  Digests current;
  PANOPTES_RETURN_IF_ERROR(ReadDigests("", current));
  return Apply(source, current);
}

Result<RebuildStats> RedisScheduleStore::Rebuild(const EntrySource& source,
                                                 const std::vector<std::string>& scope) {
  Digests current;
  for (const std::string& name : scope) PANOPTES_RETURN_IF_ERROR(ReadDigests(name + ":*", current));
  return Apply(source, current);
}

// The diff of `source` against `current` (the digests it may keep, change or remove), written out.
Result<RebuildStats> RedisScheduleStore::Apply(const EntrySource& source, const Digests& current) {
  auto started = Clock::now();
  auto now = ServerTimeMs();
  if (!now.ok()) return now.status();
  DiffWriter writer(entries_key_, digests_key_, schedule_key_);
  Status failed;
  size_t outstanding = 0;  // commands sent, replies not read yet
  RebuildStats flushed;    // counts the round trips of the flushes
  auto flush_if_full = [&](bool force) {
    if (!failed.ok() || (!force && writer.pending() < kEntriesPerFlush)) return;
    std::vector<redis::Args> commands = writer.Take();
    failed = Flush(commands, flushed, outstanding);
  };
  auto now_ms = [&] {
    return *now + std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  };
  RebuildStats stats = DiffSchedule(
      current, source, now_ms,
      [&](const Entry& entry, const std::string& digest, std::optional<int64_t> due) {
        writer.Set(entry, digest, due);
        flush_if_full(false);
      },
      [&](const std::string& id) {
        writer.Remove(id);
        flush_if_full(false);
      });
  flush_if_full(true);
  if (failed.ok() && outstanding > 0) failed = Collect(outstanding, flushed);
  if (!failed.ok()) return failed;
  stats.round_trips = flushed.round_trips;
  return stats;
}

Result<DispatchResult> RedisScheduleStore::Dispatch(const std::string& leader_token, int batch) {
  auto reply = client_.Eval(DispatchScript(), {leader_key_, schedule_key_, entries_key_, tasks_key_},
                            {leader_token, std::to_string(batch)});
  if (!reply.ok()) return reply.status();
  DispatchResult out;
  const auto& e = reply->elements;
  if (e.empty() || e[0].integer == 0) return out;
  if (e.size() < 4) return Status::Internal("dispatch script: unexpected reply");
  out.leader = true;
  out.dispatched = e[1].integer;
  out.now_ms = e[2].integer;
  out.next_due_ms = e[3].integer;
  out.lateness_ms.reserve(e.size() - 4);
  for (size_t i = 4; i < e.size(); ++i) out.lateness_ms.push_back(e[i].integer);
  return out;
}

Result<std::vector<ListedEntry>> RedisScheduleStore::List() {
  auto due = client_.Command({"ZRANGE", schedule_key_, "0", "-1", "WITHSCORES"});
  if (!due.ok()) return due.status();
  auto values = client_.Command({"HGETALL", entries_key_});
  if (!values.ok()) return values.status();
  std::unordered_map<std::string, std::string> by_id;
  for (size_t i = 0; i + 1 < values->elements.size(); i += 2) {
    by_id.emplace(std::move(values->elements[i].str), std::move(values->elements[i + 1].str));
  }
  std::vector<ListedEntry> out;
  for (size_t i = 0; i + 1 < due->elements.size(); i += 2) {
    ListedEntry entry;
    entry.id = due->elements[i].str;
    entry.next_due_ms = ToInt(due->elements[i + 1].str, 0);
    auto it = by_id.find(entry.id);
    if (it != by_id.end()) {
      const std::string& v = it->second;
      size_t p1 = v.find('|');
      size_t p2 = p1 == std::string::npos ? p1 : v.find('|', p1 + 1);
      if (p2 != std::string::npos) {
        entry.frequency_ms = ToInt(v.substr(0, p1), 0);
        entry.task_prefix = v.substr(p2 + 1);
      }
    }
    out.push_back(std::move(entry));
  }
  return out;
}

Result<int64_t> RedisScheduleStore::Count() {
  auto reply = client_.Command({"ZCARD", schedule_key_});
  if (!reply.ok()) return reply.status();
  return reply->integer;
}

}  // namespace panoptes::scheduler
