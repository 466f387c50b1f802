#pragma once
// The supervisor's Redis courier: a child process that does the supervisor's work on the task
// queue (worker registration and heartbeats, hand-backs of prefetched tasks, reaps of its own dead
// workers, the reaper of other agents' dead workers), so that the supervisor's event loop never
// waits on Redis: time-limit kills, SIGCHLD handling and /healthz keep their pace while Redis is
// slow or gone. Why a process and not a thread: the supervisor forks workers for the life of the
// agent, and a thread inside a Redis call or a log line at the moment of a fork would leave its
// locks (the log sink's, the time zone's) held forever in the child.
//
// Jobs go over a socketpair (courier_wire.h) and run one at a time in submission order, so a
// worker's registration is always done before its reap. A hand-back or a reap, which must not be
// lost, is retried with backoff while Redis is unreachable (and up to kDrainAfterCloseMs once the
// supervisor closed the courier); the others (registration, heartbeat, reaper pass, whole-plugin
// quarantine, health report) are tried once. Each reply is
// delivered on the io_context. If the courier process dies it is restarted and the jobs without a
// reply are sent again (every job is safe to repeat: task_queue.h).
//
// One RedisCourier per Redis configuration: after a SIGHUP that changes [redis], workers of the new
// configuration use a new courier while the old one serves the old workers until they are gone and
// its jobs are done. Each courier has its own MasterSignal (board.h, kMasterSignals): its process
// watches the configuration's sentinels and writes that signal, and only that one, until the
// supervisor closes it; so an old and a new courier never write the same signal. Not thread-safe:
// used from the io_context's thread.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <utility>  // before Asio: boost 1.74 awaitable.hpp needs std::exchange

#include <boost/asio/io_context.hpp>

#include "agent/courier_wire.h"
#include "panoptes/site_config.h"
#include "process/process.h"
#include "redis/master_watch.h"

namespace panoptes::agent {

// How long a courier whose supervisor closed it (or died) keeps retrying the jobs it holds.
inline constexpr int kDrainAfterCloseMs = 10000;

class RedisCourier {
 public:
  using Done = std::function<void(const CourierReply&)>;

  // `master_signal`: the signal its process writes (with sentinels configured) and follows, in
  // memory shared with the processes that follow it too (nullptr: no watch, none followed).
  RedisCourier(boost::asio::io_context& io, RedisConfig redis, redis::MasterSignal* master_signal = nullptr);
  // Closes the socket: the courier process finishes the jobs it holds (bounded) and exits. Replies
  // not yet delivered are dropped.
  ~RedisCourier();
  RedisCourier(const RedisCourier&) = delete;
  RedisCourier& operator=(const RedisCourier&) = delete;

  // Forks the courier process. REQUIRES: the calling process is single-threaded.
  Status Start();
  // Queues `job` (its id is assigned here); `done` runs on the io_context with the reply.
  void Submit(CourierJob job, Done done);
  // For SIGCHLD: true when `pid` was this courier's process; it is restarted (at once, or after a
  // second when it died within a second of its start) and the jobs without a reply sent again.
  bool OnExit(const process::ExitInfo& info);

  size_t pending() const;
  bool HasPending(CourierJob::Op op, PluginKind kind) const;
  // How long the oldest job without a reply has waited (zero when none).
  std::chrono::milliseconds OldestPending() const;
  const RedisConfig& redis() const;
  redis::MasterSignal* master_signal() const;
  pid_t pid() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// The courier process' loop, in the forked child: reads jobs from `fd` until it is closed and the
// jobs are done. With sentinels configured and a process MasterSignal (redis::GetMasterSignal) it
// runs the watch that writes the signal, from its start until `fd` is closed (not while it drains
// the jobs left). Returns the process exit code.
int RunCourier(int fd, const RedisConfig& redis);

}  // namespace panoptes::agent
