// The courier process' side of redis_courier.h: a blocking loop over one Redis connection.

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <deque>
#include <map>
#include <memory>

#include "agent/reaper.h"
#include "agent/redis_courier.h"
#include "agent/redis_task_queue.h"
#include "core/logging.h"
#include "redis/client.h"
#include "redis/master_watch.h"

namespace panoptes::agent {
namespace {

using Clock = std::chrono::steady_clock;

class Courier {
 public:
  Courier(int fd, const RedisConfig& redis) : fd_(fd), redis_(redis), client_(redis, "agent-courier") {
    // The agent's one watch of Sentinel's failover announcements for this Redis configuration (none
    // without sentinels or a shared signal): the workers started under it read the signal from the
    // board.
    if (redis::MasterSignal* signal = redis::GetMasterSignal())
      watch_ = redis::MasterWatch::Start(redis, *signal);
  }
  int Run();

 private:
  void Pump(int timeout_ms);
  void Close();
  CourierReply Do(const CourierJob& job);
  CourierReply Once(const CourierJob& job);
  void Write(const std::string& frame);
  TaskQueue& QueueOf(PluginKind kind);

  int fd_;
  RedisConfig redis_;
  redis::Client client_;
  std::unique_ptr<redis::MasterWatch> watch_;
  std::map<PluginKind, std::unique_ptr<RedisTaskQueue>> queues_;
  std::deque<CourierJob> inbox_;
  FrameReader reader_;
  bool closed_ = false;  // the supervisor closed its end (or died)
  Clock::time_point closed_at_;
  std::shared_ptr<spdlog::logger> log_ = core::Logger("agent");
};

// Waits up to `timeout_ms` (-1: forever) for bytes from the supervisor and queues the jobs they
// complete.
void Courier::Pump(int timeout_ms) {
  if (closed_) {  // nothing more can come: just wait
    if (timeout_ms > 0) poll(nullptr, 0, timeout_ms);
    return;
  }
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return;
  char buf[4096];
  ssize_t n = read(fd_, buf, sizeof(buf));
  if (n < 0 && errno == EINTR) return;
  if (n <= 0) return Close();
  reader_.Feed(std::string_view(buf, static_cast<size_t>(n)));
  for (;;) {
    auto frame = reader_.Next();
    if (frame.ok() && !frame->has_value()) return;
    auto job = frame.ok() ? DecodeJob(**frame) : Result<CourierJob>(frame.status());
    if (!job.ok()) {
      log_->error("{}: the courier stops", job.status().ToString());
      return Close();
    }
    inbox_.push_back(std::move(job).value());
  }
}

// The supervisor is done with this courier (a [redis] change retired it and its workers are gone,
// or the agent stops): the watch stops at once, so that it never writes its signal after the
// supervisor has handed it to another courier; the jobs left are drained without it (the client
// then asks Sentinel itself, kStaleAfterMs).
void Courier::Close() {
  closed_ = true;
  closed_at_ = Clock::now();
  watch_.reset();
}

TaskQueue& Courier::QueueOf(PluginKind kind) {
  auto& q = queues_[kind];
  if (!q) q = std::make_unique<RedisTaskQueue>(client_, redis_.key_prefix, kind);
  return *q;
}

CourierReply Courier::Once(const CourierJob& job) {
  CourierReply r{job.id, Status::Ok(), 0, 0, 0, {}};
  TaskQueue& queue = QueueOf(job.kind);
  switch (job.op) {
    case CourierJob::Op::kRegister:
    case CourierJob::Op::kHeartbeat: {
      auto d = queue.Heartbeat(job.workers, job.ttl_ms);
      if (!d.ok()) return CourierReply{job.id, d.status(), 0, 0, 0, {}};
      r.a = d->tasks;
      r.b = d->deadletter;
      break;
    }
    case CourierJob::Op::kHandBack: {
      auto moved = queue.HandBackEach(job.workers);
      if (!moved.ok()) return CourierReply{job.id, moved.status(), 0, 0, 0, {}};
      for (size_t i = 0; i < moved->size(); ++i) {
        if ((*moved)[i]) r.texts.push_back(job.workers[i]);
      }
      r.a = static_cast<int64_t>(r.texts.size());
      break;
    }
    case CourierJob::Op::kReap: {
      auto reaped = queue.Reap(job.workers.at(0), job.status, job.error, false);
      if (!reaped.ok()) return CourierReply{job.id, reaped.status(), 0, 0, 0, {}};
      r.a = reaped->alive;
      r.b = reaped->started;
      r.c = reaped->requeued;
      break;
    }
    case CourierJob::Op::kReapDead: {
      ReapStats stats = ReapDeadWorkers(queue);
      r.a = stats.dead_workers;
      r.b = stats.started;
      r.c = stats.requeued;
      break;
    }
    case CourierJob::Op::kQuarantinePlugin: {
      auto name = queue.QuarantinePlugin(job.workers.at(0), job.error);
      if (!name.ok()) return CourierReply{job.id, name.status(), 0, 0, 0, {}};
      if (*name) r.texts.push_back(**name);
      r.a = *name ? 1 : 0;
      break;
    }
    case CourierJob::Op::kHealthReport: {
      auto rows = queue.HealthReport();
      if (!rows.ok()) return CourierReply{job.id, rows.status(), 0, 0, 0, {}};
      for (const PluginHealth& h : *rows) {
        r.texts.insert(r.texts.end(), {h.plugin, std::to_string(h.quarantined_pairs),
                                       h.quarantined ? "1" : "0", std::to_string(h.stale_pairs)});
      }
      break;
    }
  }
  return r;
}

// A hand-back or a reap is retried while Redis is unreachable (the supervisor has the worker's
// exit and nobody else will record it as precisely); the others are tried once.
CourierReply Courier::Do(const CourierJob& job) {
  bool must = job.op == CourierJob::Op::kHandBack || job.op == CourierJob::Op::kReap;
  int backoff_ms = 50;
  bool reported = false;
  for (;;) {
    CourierReply r = Once(job);
    bool retry = r.status.code() == StatusCode::kUnavailable || r.status.code() == StatusCode::kIOError;
    if (r.status.ok() || !must || !retry) return r;
    if (closed_ && Clock::now() - closed_at_ > std::chrono::milliseconds(kDrainAfterCloseMs)) {
      log_->error(
          "redis courier: giving up on worker {} after the agent closed it: {} (a reaper records it "
          "once its heartbeat expires)",
          job.workers.at(0), r.status.ToString());
      return r;
    }
    if (!reported)
      log_->warn("redis courier: worker {}{}: {}; retrying", job.workers.at(0),
                 job.workers.size() > 1 ? " and " + std::to_string(job.workers.size() - 1) + " more" : "",
                 r.status.ToString());
    reported = true;
    Pump(backoff_ms);  // also takes the jobs that arrive meanwhile
    backoff_ms = std::min(1000, backoff_ms * 2);
  }
}

void Courier::Write(const std::string& frame) {
  size_t done = 0;
  while (done < frame.size() && !closed_) {
    ssize_t n = send(fd_, frame.data() + done, frame.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Close();
    done += static_cast<size_t>(n);
  }
}

int Courier::Run() {
  for (;;) {
    if (inbox_.empty()) {
      if (closed_) return 0;
      Pump(-1);
      continue;
    }
    CourierJob job = std::move(inbox_.front());
    inbox_.pop_front();
    CourierReply reply = Do(job);
    Write(EncodeReply(reply));
  }
}

}  // namespace

int RunCourier(int fd, const RedisConfig& redis) {
  try {
    Courier courier(fd, redis);
    return courier.Run();
  } catch (const std::exception& e) {
    core::Logger("agent")->critical("redis courier failed: {}", e.what());
    return 1;
  }
}

}  // namespace panoptes::agent
