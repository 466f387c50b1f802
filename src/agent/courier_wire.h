#pragma once
// The messages between the supervisor and its Redis courier process (redis_courier.h): a job the
// supervisor wants done on the task queue, and the courier's reply. On the wire a message is a frame
// "<payload length>\n<payload>" whose payload is a list of fields, each "<length>:<bytes>", so any
// byte may appear in a field (error texts, worker ids). Both ends are this program: a frame that
// does not decode is a broken invariant (kInternal), never user input.
//
// Pure functions and one small buffer class; thread-compatible.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "panoptes/kind.h"
#include "panoptes/status.h"

namespace panoptes::agent {

// What the supervisor asks of the task queue of one kind (task_queue.h, the supervisor's calls).
struct CourierJob {
  enum class Op {
    kHeartbeat = 1,         // Heartbeat(workers, ttl_ms): a: tasks, b: dead-letter depth
    kHandBack = 2,          // HandBackEach(workers): a: tasks moved, texts: the workers whose task moved
    kReap = 3,              // Reap(workers[0], status, error, false): a: alive, b: started, c: requeued
    kReapDead = 4,          // ReapDeadWorkers (reaper.h): a: dead workers, b: started, c: requeued
    kRegister = 5,          // a new worker's first heartbeat, as kHeartbeat
    kQuarantinePlugin = 6,  // QuarantinePlugin(workers[0], error): a: 1 when quarantined, texts: {name}
    kHealthReport = 7,      // HealthReport(): texts: per plugin, name, quarantined pairs, 0/1, stale
  };
  uint64_t id = 0;
  Op op = Op::kHeartbeat;
  PluginKind kind = PluginKind::kPolling;
  std::vector<std::string> workers;
  int64_t ttl_ms = 0;
  std::string status;
  std::string error;
};

struct CourierReply {
  uint64_t id = 0;
  Status status;  // not ok: the job failed (for kReap/kHandBack only after the courier gave up)
  int64_t a = 0, b = 0, c = 0;
  std::vector<std::string> texts;  // what an op returns beyond numbers (see Op)
};

std::string EncodeJob(const CourierJob& job);
std::string EncodeReply(const CourierReply& reply);
Result<CourierJob> DecodeJob(const std::vector<std::string>& fields);
Result<CourierReply> DecodeReply(const std::vector<std::string>& fields);

// Collects bytes as they arrive and cuts them into frames.
class FrameReader {
 public:
  void Feed(std::string_view bytes) { buffer_.append(bytes); }
  // The fields of the next complete frame; nullopt until one is complete; kInternal when the
  // bytes are not frames (the stream is then unusable).
  Result<std::optional<std::vector<std::string>>> Next();

 private:
  std::string buffer_;
};

}  // namespace panoptes::agent
