#include "scheduler/keys.h"

namespace panoptes::scheduler {
namespace {
std::string Join(const std::string& prefix, std::string_view a, PluginKind kind,
                 std::string_view suffix = "") {
  std::string out;
  out.reserve(prefix.size() + a.size() + suffix.size() + 16);
  out.append(prefix).append(":").append(a).append(":").append(KindName(kind));
  if (!suffix.empty()) out.append(":").append(suffix);
  return out;
}
}  // namespace

std::string LeaderKey(const std::string& prefix, PluginKind kind) {
  return Join(prefix, "leader", kind);
}
std::string TasksKey(const std::string& prefix, PluginKind kind) {
  return Join(prefix, "tasks", kind);
}
std::string ScheduleKey(const std::string& prefix, PluginKind kind) {
  return Join(prefix, "schedule", kind);
}
std::string ScheduleEntriesKey(const std::string& prefix, PluginKind kind) {
  return Join(prefix, "schedule", kind, "entries");
}
std::string ScheduleDigestsKey(const std::string& prefix, PluginKind kind) {
  return Join(prefix, "schedule", kind, "digests");
}

}  // namespace panoptes::scheduler
