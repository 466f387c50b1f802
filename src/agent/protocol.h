#pragma once
// The line protocol on the socketpair between the supervisor and each worker. One message per
// line, fields separated by single spaces; free text only as the last field.
//
// Worker -> supervisor:
//   "R <time_limit_ms> <task_id>"        a plugin run starts now (after the guard took the lock)
//   "D <status> <duration_us> <lateness_us>"  the run finished and was acknowledged; status ok|empty|error
//   "K <reason>"                          skipped by the guard: locked | too soon | cached
//   "E"                                   dropped: past expires_at
//   "L <reason>"                          dead-lettered (reason: invalid | unknown plugin | signature | kind)
// Supervisor -> worker:
//   "S"                                   stop taking tasks; finish the current one and exit 0
// Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace panoptes::agent {

struct WorkerMessage {
  char type = 0;              // 'R', 'D', 'K', 'E', 'L'
  int64_t time_limit_ms = 0;  // R
  std::string text;           // R: task id; D: status; K, L: reason
  int64_t duration_us = 0;    // D
  int64_t lateness_us = 0;    // D
};

// The line for `m`, '\n' included.
std::string EncodeMessage(const WorkerMessage& m);
// Parses one line (without '\n'); nullopt when malformed.
std::optional<WorkerMessage> ParseMessage(std::string_view line);

}  // namespace panoptes::agent
