#include "scheduler/schedule_store.h"

#include <charconv>
#include <cstdio>

namespace panoptes::scheduler {
namespace {

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
