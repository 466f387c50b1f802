#include "scheduler/redis_schedule_store.h"

#include "scheduler/lua_sources.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>

#include "redis/keys.h"

namespace panoptes::scheduler {
namespace {

// Entries per HSET/ZADD/HDEL command: Redis runs a command whole, so this bounds how long one
// write of a rebuild holds up a dispatch script waiting behind it (250 values of ~450 bytes:
// well under a millisecond), while the per-command cost stays negligible.
constexpr size_t kEntriesPerCommand = 250;
// Changed entries held before writing them out: bounds the memory of a large rebuild, and small
// enough that Redis applies one batch while the next is built (a rebuild of 10k entries is then
// little longer than building them).
constexpr size_t kEntriesPerFlush = 2000;
// Batches sent whose replies are not read yet (Flush). Redis applies a batch in about the time the
// next one takes to build; a few in flight keep it busy through the unevenness of either side,
// and bound how far its writes lag their batches' time of writing (new cadences are due from
// then + kNewEntryMarginMs + splay).
constexpr size_t kFlushesInFlight = 4;
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

// Encodes the write commands of a rebuild as entries are set or removed, up to kEntriesPerCommand
// entries per multi-field command. Take() returns them in a safe order: the entries hash is
// written before the sorted set refers to an entry, and an entry leaves the sorted set before its
// value goes. New cadences are held back in runs of `due_run` and written sorted by due time:
// Redis inserts into its skip list about three times faster in order than at random (1M entries:
// 1.8 s against 6.6 s of its CPU). A full run is sorted and then written a little with each later
// Take, as many as came in since the one before, while the next run fills: so every batch gives
// Redis its share of the sorted-set work, rather than one burst of a whole run that the rebuild
// would wait for. Their due time is counted from when they are written, so holding them back never
// makes an entry late.
class DiffWriter {
 public:
  DiffWriter(const std::string& entries_key, const std::string& schedule_key, const std::string& plugins_key,
             size_t due_run)
      : entries_("HSET", entries_key),
        plugins_("HSET", plugins_key),
        schedule_key_(schedule_key),
        due_run_(std::max<size_t>(1, due_run)) {}

  void Set(const Entry& entry, std::optional<int64_t> splay_ms, bool value_changed) {
    ++pending_;
    if (value_changed) Add(entries_, entry.id, entry.value);
    if (splay_ms) {
      next_.Hold(*splay_ms, entry.id);
      ++due_since_take_;
    }
  }
  void Remove(const std::string& id) {
    ++pending_;
    removed_.push_back(id);
  }
  // A plugin record: written before the entries of the same Take (so before the sorted set can
  // refer to them); removed in the last Take, after every entry.
  void SetPlugin(const std::string& name, const std::string& record) {
    ++pending_;
    Add(plugins_, name, record);
  }
  void RemovePlugin(const std::string& name) { plugins_removed_.push_back(name); }
  // Entries set or removed since the last Take.
  size_t pending() const { return pending_; }
  // The commands so far, with their share of the held new cadences (due at now_ms +
  // kNewEntryMarginMs + splay); with `all`, every held one.
  redis::EncodedCommands& Take(bool all, int64_t now_ms) {
    pending_ = 0;
    Emit(plugins_);
    Emit(entries_);
    Group zadd("ZADD", schedule_key_);
    if (next_.held.size() >= due_run_) {
      WriteRun(zadd, now_ms, SIZE_MAX);  // the rest of the run before (it normally is written by now)
      StartRun();
    }
    WriteRun(zadd, now_ms, all ? SIZE_MAX : due_since_take_);
    due_since_take_ = 0;
    if (all && !next_.held.empty()) {
      StartRun();
      WriteRun(zadd, now_ms, SIZE_MAX);
    }
    Emit(zadd);
    Group zrem("ZREM", schedule_key_), hdel("HDEL", entries_.key);
    for (Group* g : {&zrem, &hdel}) {
      for (const std::string& id : removed_) Add(*g, id);
      Emit(*g);
    }
    removed_.clear();
    if (all) {
      Group hdel_plugins("HDEL", plugins_.key);
      for (const std::string& name : plugins_removed_) Add(hdel_plugins, name);
      Emit(hdel_plugins);
      plugins_removed_.clear();
    }
    return out_;
  }

 private:
  struct Group {
    Group(std::string_view c, const std::string& k) : command(c), key(k) {}
    std::string_view command;
    const std::string& key;
    std::string body;  // the encoded arguments after the key
    size_t args = 0;
    size_t entries = 0;
  };

  // New cadences held back: (splay, id), the ids in one buffer (no allocation per entry, and a
  // sort that moves 16 bytes an entry).
  struct Run {
    struct Held {
      int64_t splay_ms;
      uint32_t offset, length;  // of the id in `ids`
    };
    void Hold(int64_t splay_ms, std::string_view id) {
      held.push_back({splay_ms, static_cast<uint32_t>(ids.size()), static_cast<uint32_t>(id.size())});
      ids.append(id);
    }
    std::vector<Held> held;
    std::string ids;
    size_t written = 0;  // of `held`, in order
  };

  // The held new cadences, sorted by splay, become the run being written.
  void StartRun() {
    std::sort(next_.held.begin(), next_.held.end(),
              [](const Run::Held& a, const Run::Held& b) { return a.splay_ms < b.splay_ms; });
    std::swap(run_, next_);
    next_.held.clear();
    next_.ids.clear();
    next_.written = 0;
  }
  // Up to `n` more of the run, in order.
  void WriteRun(Group& zadd, int64_t now_ms, size_t n) {
    char due[24];
    for (; n > 0 && run_.written < run_.held.size(); --n, ++run_.written) {
      const Run::Held& h = run_.held[run_.written];
      auto end = std::to_chars(due, due + sizeof(due), now_ms + kNewEntryMarginMs + h.splay_ms).ptr;
      Add(zadd, std::string_view(due, static_cast<size_t>(end - due)),
          std::string_view(run_.ids).substr(h.offset, h.length));
    }
  }

  template <typename... Items>
  void Add(Group& g, const Items&... items) {
    (redis::EncodedCommands::AppendArg(g.body, items), ...);
    g.args += sizeof...(items);
    if (++g.entries >= kEntriesPerCommand) Emit(g);
  }
  void Emit(Group& g) {
    if (g.entries == 0) return;
    out_.Add({g.command, g.key}, g.args, g.body);
    g.body.clear();
    g.args = g.entries = 0;
  }

  Group entries_;
  Group plugins_;
  const std::string& schedule_key_;
  const size_t due_run_;
  Run next_;                   // new cadences held, the next run
  Run run_;                    // the run being written, sorted
  size_t due_since_take_ = 0;  // new cadences since the last Take
  std::vector<std::string> removed_;
  std::vector<std::string> plugins_removed_;
  size_t pending_ = 0;
  redis::EncodedCommands out_;
};

}  // namespace

RedisScheduleStore::RedisScheduleStore(redis::Client& client, const std::string& key_prefix, PluginKind kind,
                                       RedisScheduleOptions options)
    : client_(client),
      options_(options),
      leader_key_(redis::keys::Leader(key_prefix, kind)),
      schedule_key_(redis::keys::Schedule(key_prefix, kind)),
      entries_key_(redis::keys::ScheduleEntries(key_prefix, kind)),
      plugins_key_(redis::keys::SchedulePlugins(key_prefix, kind)),
      legacy_digests_key_(redis::keys::ScheduleDigests(key_prefix, kind)),
      tasks_key_(redis::keys::Tasks(key_prefix, kind)),
      writes_key_(redis::keys::ScheduleWrites(key_prefix, kind)) {}

Result<int64_t> RedisScheduleStore::ServerTimeMs() {
  auto reply = client_.Command({"TIME"});
  if (!reply.ok()) return reply.status();
  if (reply->elements.size() != 2) return Status::Internal("TIME: unexpected reply");
  return ToInt(reply->elements[0].str, 0) * 1000 + ToInt(reply->elements[1].str, 0) / 1000;
}

Status RedisScheduleStore::ReadDigests(const std::vector<std::string>* scope, DigestTable& out) {
  // The plugin records first (one per plugin: a small hash): the frequency of an entry of this
  // layout is its record's.
  auto records = client_.Command({"HGETALL", plugins_key_});
  if (!records.ok()) return records.status();
  std::unordered_map<std::string, int64_t> frequencies;
  for (size_t i = 0; i + 1 < records->elements.size(); i += 2) {
    const std::string& name = records->elements[i].str;
    if (scope && !std::binary_search(scope->begin(), scope->end(), name)) continue;
    int64_t frequency = 0, expires = 0;
    std::string_view head, tail;
    if (SplitPluginRecord(records->elements[i + 1].str, frequency, expires, head, tail))
      frequencies[name] = frequency;
    out.PutPlugin(name, std::move(records->elements[i + 1].str));
  }
  // A rebuild that failed may have written values whose due times it still held back: such an
  // entry would look unchanged and never be due again. When the hash and the sorted set do not
  // hold as many entries (after a rebuild that succeeded, they do), the members are read too,
  // and an entry without one gets an unknown frequency: a new cadence.
  std::vector<uint64_t> scheduled;  // ValueHash of each member, sorted; empty: not checked
  bool check_scheduled = false;
  if (!scope) {
    auto counts = client_.Pipeline({{"HLEN", entries_key_}, {"ZCARD", schedule_key_}});
    if (!counts.ok()) return counts.status();
    for (const redis::Reply& r : *counts) {
      if (r.IsError()) return Status::RedisError("reading the schedule " + schedule_key_ + ": " + r.str);
    }
    check_scheduled = (*counts)[0].integer != (*counts)[1].integer;
    if (check_scheduled) PANOPTES_RETURN_IF_ERROR(ReadMembers(scheduled));
  }
  auto scan = [&](const std::string& match) -> Status {
    std::string cursor = "0";
    do {
      redis::Args args{"HSCAN", entries_key_, cursor, "COUNT", "1000"};
      if (!match.empty()) args.insert(args.end(), {"MATCH", match});
      auto reply = client_.Command(args);
      if (!reply.ok()) return reply.status();
      if (reply->elements.size() != 2)
        return Status::Internal("HSCAN " + entries_key_ + ": unexpected reply");
      cursor = reply->elements[0].str;
      const auto& items = reply->elements[1].elements;
      for (size_t i = 0; i + 1 < items.size(); i += 2) {
        const std::string& id = items[i].str;
        auto f = frequencies.find(id.substr(0, id.find(':')));
        EntryDigest digest = DigestOfValue(items[i + 1].str, f == frequencies.end() ? -1 : f->second);
        if (check_scheduled && !std::binary_search(scheduled.begin(), scheduled.end(), ValueHash(id)))
          digest.frequency_ms = -1;
        out.Put(id, digest);
      }
    } while (cursor != "0");
    return Status::Ok();
  };
  if (!scope) return scan("");
  for (const std::string& name : *scope) PANOPTES_RETURN_IF_ERROR(scan(name + ":*"));
  return Status::Ok();
}

Status RedisScheduleStore::ReadMembers(std::vector<uint64_t>& out) {
  out.clear();
  std::string cursor = "0";
  do {
    auto reply = client_.Command({"ZSCAN", schedule_key_, cursor, "COUNT", "1000"});
    if (!reply.ok()) return reply.status();
    if (reply->elements.size() != 2) return Status::Internal("ZSCAN " + schedule_key_ + ": unexpected reply");
    cursor = reply->elements[0].str;
    const auto& items = reply->elements[1].elements;
    for (size_t i = 0; i + 1 < items.size(); i += 2) out.push_back(ValueHash(items[i].str));
  } while (cursor != "0");
  std::sort(out.begin(), out.end());
  return Status::Ok();
}

Result<int64_t> RedisScheduleStore::BumpWrites() {
  auto reply = client_.Command({"INCR", writes_key_});
  if (!reply.ok()) return reply.status();
  return reply->integer;
}

// Bumps the writes counter before anything is read or written, so that a writer in between shows.
Result<bool> RedisScheduleStore::StartRebuild(int64_t& before) {
  auto bumped = BumpWrites();
  if (!bumped.ok()) return bumped.status();
  before = *bumped;
  bool trusted = table_writes_ >= 0 && before == table_writes_ + 1;
  table_writes_ = -1;  // until this rebuild has succeeded
  return trusted;
}

// Sends a batch without waiting for it: Redis runs the batches sent before while this one was
// being built (the C++ side of a rebuild and Redis' side overlap). Up to kFlushesInFlight are left
// unanswered, so that Redis always has the next one queued when its work per batch is about ours;
// the oldest replies are read first when that many are.
Status RedisScheduleStore::Flush(redis::EncodedCommands& commands, std::deque<size_t>& in_flight) {
  while (in_flight.size() >= kFlushesInFlight) PANOPTES_RETURN_IF_ERROR(Collect(in_flight));
  if (commands.empty()) return Status::Ok();
  if (pressure_) pressure_->Yield();  // due tasks go first
  PANOPTES_RETURN_IF_ERROR(client_.SendPipeline(commands));
  in_flight.push_back(commands.commands());
  commands.Clear();
  return Status::Ok();
}

// Reads the replies of the oldest batch in flight.
Status RedisScheduleStore::Collect(std::deque<size_t>& in_flight) {
  auto replies = client_.ReceivePipeline(in_flight.front());
  in_flight.pop_front();
  ++round_trips_;
  if (!replies.ok()) return replies.status();
  for (const redis::Reply& r : *replies) {
    if (r.IsError()) return Status::RedisError("schedule rebuild of " + schedule_key_ + ": " + r.str);
  }
  return Status::Ok();
}

Result<RebuildStats> RedisScheduleStore::Rebuild(const EntrySource& source) {
  int64_t before = 0;
  auto trusted = StartRebuild(before);
  if (!trusted.ok()) return trusted.status();
  if (!*trusted) {
    table_.Clear();
    PANOPTES_RETURN_IF_ERROR(ReadDigests(nullptr, table_));
    // Earlier builds kept the digests in a hash of their own; UNLINK frees it off Redis' main thread.
    auto gone = client_.Command({"UNLINK", legacy_digests_key_});
    if (!gone.ok()) return gone.status();
  }
  return Apply(source, nullptr, table_, before);
}

Result<RebuildStats> RedisScheduleStore::Rebuild(const EntrySource& source,
                                                 const std::vector<std::string>& scope) {
  std::vector<std::string> sorted = scope;
  std::sort(sorted.begin(), sorted.end());
  int64_t before = 0;
  auto trusted = StartRebuild(before);
  if (!trusted.ok()) return trusted.status();
  if (*trusted) return Apply(source, &sorted, table_, before);
  // Without a table to trust, read just these plugins' digests (the table stays untrusted).
  table_.Clear();
  DigestTable partial;
  PANOPTES_RETURN_IF_ERROR(ReadDigests(&sorted, partial));
  return Apply(source, &sorted, partial, before);
}

// The diff of `source` against `table`, written out. table_ is trusted afterwards only when this
// rebuild used it (whole: every entry in Redis), succeeded, and no other rebuild bumped the writes
// counter since `before` (this rebuild's own bump).
Result<RebuildStats> RedisScheduleStore::Apply(const EntrySource& source,
                                               const std::vector<std::string>* scope, DigestTable& table,
                                               int64_t before) {
  auto started = Clock::now();
  const bool whole = &table == &table_;
  auto now = ServerTimeMs();
  if (!now.ok()) return now.status();
  DiffWriter writer(entries_key_, schedule_key_, plugins_key_, options_.due_run);
  Status failed;
  std::deque<size_t> in_flight;  // per batch sent and not answered yet: its commands
  round_trips_ = 0;
  // The time of writing, for new cadences: a large rebuild takes seconds, and an entry must not be
  // born late.
  auto now_ms = [&] {
    return *now + std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  };
  auto flush_if_full = [&](bool force) {
    if (!failed.ok() || (!force && writer.pending() < kEntriesPerFlush)) return;
    failed = Flush(writer.Take(force, now_ms()), in_flight);
  };
  RebuildStats stats = table.Diff(
      source, scope,
      [&](const Entry& entry, std::optional<int64_t> splay, bool value_changed) {
        writer.Set(entry, splay, value_changed);
        flush_if_full(false);
      },
      [&](const std::string& id) {
        writer.Remove(id);
        flush_if_full(false);
      },
      [&](const std::string& name, const std::string& record) { writer.SetPlugin(name, record); },
      [&](const std::string& name) { writer.RemovePlugin(name); });
  flush_if_full(true);
  // Every batch sent is read, after an error reply too (the connection stays in step).
  while (!in_flight.empty()) {
    Status collected = Collect(in_flight);
    if (failed.ok()) failed = collected;
  }
  if (!failed.ok()) return failed;
  auto after = BumpWrites();
  if (!after.ok()) return after.status();
  if (whole && *after == before + 1) table_writes_ = *after;
  stats.round_trips = round_trips_;
  return stats;
}

Result<DispatchResult> RedisScheduleStore::Dispatch(const std::string& leader_token, int batch) {
  auto reply =
      client_.Eval(DispatchScript(), {leader_key_, schedule_key_, entries_key_, tasks_key_, plugins_key_},
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
  auto records = client_.Command({"HGETALL", plugins_key_});
  if (!records.ok()) return records.status();
  std::unordered_map<std::string, std::string> by_id, by_plugin;
  for (size_t i = 0; i + 1 < values->elements.size(); i += 2) {
    by_id.emplace(std::move(values->elements[i].str), std::move(values->elements[i + 1].str));
  }
  for (size_t i = 0; i + 1 < records->elements.size(); i += 2) {
    by_plugin.emplace(std::move(records->elements[i].str), std::move(records->elements[i + 1].str));
  }
  std::vector<ListedEntry> out;
  for (size_t i = 0; i + 1 < due->elements.size(); i += 2) {
    ListedEntry entry;
    entry.id = due->elements[i].str;
    entry.next_due_ms = ToInt(due->elements[i + 1].str, 0);
    auto it = by_id.find(entry.id);
    int64_t expires = 0;
    if (it != by_id.end() && IsLegacyValue(it->second)) {
      std::string_view prefix;
      if (SplitEntryValue(it->second, entry.frequency_ms, expires, prefix)) entry.task_prefix = prefix;
    } else if (it != by_id.end()) {
      auto record = by_plugin.find(entry.id.substr(0, entry.id.find(':')));
      std::string_view head, tail;
      if (record != by_plugin.end() &&
          SplitPluginRecord(record->second, entry.frequency_ms, expires, head, tail) &&
          !ComposeTaskPrefix(record->second, entry.id, it->second, entry.task_prefix)) {
        entry.frequency_ms = 0;
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
