#include "scheduler/memory_schedule.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace panoptes::scheduler {

MemorySchedule::MemorySchedule(Clock c) : clock(std::move(c)) {
  if (!clock) {
    clock = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
}

const std::optional<std::string>& MemorySchedule::Leader() {
  if (leader && clock() >= leader_expires_ms) leader.reset();
  return leader;
}

Result<RebuildStats> MemoryScheduleStore::Rebuild(const EntrySource& source) {
  std::lock_guard lock(s_->mu);
  return Apply(source, nullptr);
}

Result<RebuildStats> MemoryScheduleStore::Rebuild(const EntrySource& source,
                                                  const std::vector<std::string>& scope) {
  std::lock_guard lock(s_->mu);
  std::vector<std::string> sorted = scope;
  std::sort(sorted.begin(), sorted.end());
  return Apply(source, &sorted);
}

// REQUIRES: s_->mu held. The digests are taken from the values into a fresh table each time
// (RedisScheduleStore keeps its table between rebuilds; the diff is the same).
RebuildStats MemoryScheduleStore::Apply(const EntrySource& source, const std::vector<std::string>* scope) {
  auto in_scope = [scope](std::string_view name) {
    return !scope || std::binary_search(scope->begin(), scope->end(), name);
  };
  DigestTable table;
  for (const auto& [name, record] : s_->plugins) {
    if (in_scope(name)) table.PutPlugin(name, record);
  }
  for (const auto& [id, value] : s_->entries) {
    std::string_view name = std::string_view(id).substr(0, id.find(':'));
    if (!in_scope(name)) continue;
    table.Put(id, DigestOfValue(value, RecordFrequency(name)));
  }
  return table.Diff(
      source, scope,
      [&](const Entry& entry, std::optional<int64_t> splay, bool value_changed) {
        if (value_changed) s_->entries[entry.id] = entry.value;
        if (splay) s_->due[entry.id] = s_->clock() + kNewEntryMarginMs + *splay;
      },
      [&](const std::string& id) {
        s_->due.erase(id);
        s_->entries.erase(id);
      },
      [&](const std::string& name, const std::string& record) { s_->plugins[name] = record; },
      [&](const std::string& name) { s_->plugins.erase(name); });
}

// REQUIRES: s_->mu held. The frequency of the plugin's record, -1 when it has none.
int64_t MemoryScheduleStore::RecordFrequency(std::string_view name) const {
  auto it = s_->plugins.find(std::string(name));
  int64_t frequency = 0, expires = 0;
  std::string_view head, tail;
  if (it == s_->plugins.end() || !SplitPluginRecord(it->second, frequency, expires, head, tail)) return -1;
  return frequency;
}

// REQUIRES: s_->mu held. The frequency, expiry and task prefix of entry `id`; false when it has no
// valid value (or, of this layout, no valid plugin record).
bool MemoryScheduleStore::Resolve(const std::string& id, int64_t& frequency_ms, int64_t& expires_ms,
                                  std::string& task_prefix) const {
  auto value = s_->entries.find(id);
  if (value == s_->entries.end()) return false;
  std::string_view legacy_prefix;
  if (IsLegacyValue(value->second)) {
    if (!SplitEntryValue(value->second, frequency_ms, expires_ms, legacy_prefix)) return false;
    task_prefix.assign(legacy_prefix);
    return true;
  }
  auto record = s_->plugins.find(id.substr(0, id.find(':')));
  std::string_view head, tail;
  return record != s_->plugins.end() &&
         SplitPluginRecord(record->second, frequency_ms, expires_ms, head, tail) &&
         ComposeTaskPrefix(record->second, id, value->second, task_prefix);
}

namespace {

// The sorted set's order: by due time, then by id.
std::vector<std::pair<int64_t, std::string>> ByDueTime(const std::map<std::string, int64_t>& due) {
  std::vector<std::pair<int64_t, std::string>> out;
  out.reserve(due.size());
  for (const auto& [id, ms] : due) out.emplace_back(ms, id);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

// As lua/dispatch.lua.
Result<DispatchResult> MemoryScheduleStore::Dispatch(const std::string& leader_token, int batch) {
  std::lock_guard lock(s_->mu);
  DispatchResult out;
  if (s_->Leader() != leader_token) return out;
  out.leader = true;
  out.now_ms = s_->clock();
  int examined = 0;  // the script's ZRANGEBYSCORE ... LIMIT 0 batch
  for (const auto& [score, id] : ByDueTime(s_->due)) {
    if (score > out.now_ms || examined++ >= batch) break;
    int64_t freq = 0, expires = 0;
    std::string prefix;
    if (!Resolve(id, freq, expires, prefix)) {
      s_->due.erase(id);  // an entry without a valid value (or plugin record) is dropped
      continue;
    }
    int64_t slot = score;
    if (out.now_ms - score >= freq) slot = score + freq * ((out.now_ms - score) / freq);
    s_->tasks.push_front(DispatchedTask(prefix, id, slot, expires));
    s_->due[id] = slot + freq;
    out.lateness_ms.push_back(out.now_ms - slot);
  }
  out.dispatched = static_cast<int64_t>(out.lateness_ms.size());
  out.next_due_ms = -1;
  for (const auto& [id, ms] : s_->due) {
    if (out.next_due_ms < 0 || ms < out.next_due_ms) out.next_due_ms = ms;
  }
  return out;
}

Result<std::vector<ListedEntry>> MemoryScheduleStore::List() {
  std::lock_guard lock(s_->mu);
  std::vector<ListedEntry> out;
  for (const auto& [score, id] : ByDueTime(s_->due)) {
    ListedEntry e;
    e.id = id;
    e.next_due_ms = score;
    int64_t expires = 0;
    if (!Resolve(id, e.frequency_ms, expires, e.task_prefix)) {
      e.frequency_ms = 0;
      e.task_prefix.clear();
    }
    out.push_back(std::move(e));
  }
  return out;
}

Result<int64_t> MemoryScheduleStore::Count() {
  std::lock_guard lock(s_->mu);
  return static_cast<int64_t>(s_->due.size());
}

Result<int64_t> MemoryScheduleStore::ServerTimeMs() {
  std::lock_guard lock(s_->mu);
  return s_->clock();
}

bool MemoryLeaderLock::RenewLocked() {
  if (s_->Leader() != token_) return false;
  s_->leader_expires_ms = s_->clock() + ttl_ms_;
  return true;
}

Result<bool> MemoryLeaderLock::Acquire() {
  std::lock_guard lock(s_->mu);
  if (!s_->Leader()) {
    s_->leader = token_;
    s_->leader_expires_ms = s_->clock() + ttl_ms_;
    return true;
  }
  return RenewLocked();
}

Result<bool> MemoryLeaderLock::Renew() {
  std::lock_guard lock(s_->mu);
  return RenewLocked();
}

Status MemoryLeaderLock::Release() {
  std::lock_guard lock(s_->mu);
  if (s_->Leader() == token_) s_->leader.reset();
  return Status::Ok();
}

}  // namespace panoptes::scheduler
