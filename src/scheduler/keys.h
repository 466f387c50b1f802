#pragma once
// The scheduler's Redis keys (docs/redis.md, "Scheduler"), built on src/redis/keys.h.

#include <string>

#include "panoptes/kind.h"

namespace panoptes::scheduler {

std::string LeaderKey(const std::string& prefix, PluginKind kind);
std::string TasksKey(const std::string& prefix, PluginKind kind);
std::string ScheduleKey(const std::string& prefix, PluginKind kind);
std::string ScheduleEntriesKey(const std::string& prefix, PluginKind kind);
std::string ScheduleDigestsKey(const std::string& prefix, PluginKind kind);

}  // namespace panoptes::scheduler
