#include "scheduler/schedule_store.h"

#include <charconv>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

namespace panoptes::scheduler {
namespace {

// Added to a new entry's first due time: covers the wait until its batch is written.
constexpr int64_t kNewEntryMarginMs = 250;

bool ParseInt(std::string_view s, int64_t& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

Result<RebuildStats> ScheduleStore::Rebuild(const std::vector<Entry>& desired) {
  return Rebuild([&desired](const std::function<void(Entry &&)>& sink) {
    for (const Entry& e : desired) sink(Entry(e));
  });
}

RebuildStats DiffSchedule(
    const std::vector<std::pair<std::string, std::string>>& current, const ScheduleStore::EntrySource& source,
    const std::function<int64_t()>& now_ms,
    const std::function<void(const Entry&, const std::string& digest, std::optional<int64_t> due_ms)>& set,
    const std::function<void(const std::string& id)>& remove) {
  RebuildStats stats;
  struct Known {
    std::string_view digest;
    bool seen = false;
  };
  std::unordered_map<std::string_view, Known> known;
  known.reserve(current.size());
  for (const auto& [id, digest] : current) known.emplace(id, Known{digest});
  std::unordered_set<std::string> added;
  source([&](Entry&& entry) {
    std::string digest = entry.Digest();
    auto it = known.find(entry.id);
    if (it != known.end()) {
      if (it->second.seen) return;  // the same id twice (two resources with one key)
      it->second.seen = true;
      if (it->second.digest == digest) {
        ++stats.unchanged;
        return;
      }
    } else if (!added.insert(entry.id).second) {
      return;
    }
    bool new_cadence = it == known.end() || DigestFrequencyMs(it->second.digest) != entry.frequency_ms;
    ++(it == known.end() ? stats.added : new_cadence ? stats.rescheduled : stats.updated);
    std::optional<int64_t> due;
    // From the time of writing, not of the rebuild's start: a large rebuild takes a second, and an
    // entry must not be born late.
    if (new_cadence) due = now_ms() + kNewEntryMarginMs + SplayMs(entry.id, entry.frequency_ms);
    set(entry, digest, due);
  });
  for (const auto& [id, k] : known) {
    if (k.seen) continue;
    ++stats.removed;
    remove(std::string(id));
  }
  return stats;
}

std::string DispatchedTask(std::string_view task_prefix, const std::string& entry_id, int64_t slot_ms,
                           int64_t expires_ms) {
  char times[96];
  std::snprintf(times, sizeof(times), "\",\"scheduled_for\":%.3f,\"expires_at\":%.3f}", slot_ms / 1000.0,
                (slot_ms + expires_ms) / 1000.0);
  std::string task(task_prefix);
  task += "\"id\":\"";
  task += entry_id;
  task += ':';
  task += std::to_string(slot_ms);
  task += times;
  return task;
}

bool SplitEntryValue(std::string_view value, int64_t& frequency_ms, int64_t& expires_ms,
                     std::string_view& task_prefix) {
  size_t p1 = value.find('|');
  size_t p2 = p1 == std::string_view::npos ? p1 : value.find('|', p1 + 1);
  if (p2 == std::string_view::npos) return false;
  if (!ParseInt(value.substr(0, p1), frequency_ms) ||
      !ParseInt(value.substr(p1 + 1, p2 - p1 - 1), expires_ms)) {
    return false;
  }
  task_prefix = value.substr(p2 + 1);
  return frequency_ms > 0;
}

}  // namespace panoptes::scheduler
