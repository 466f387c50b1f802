#pragma once
// Sentinel's failover announcements, for every client of a process (or of an agent's processes):
// so that no daemon keeps writing to a master that Sentinel has replaced (docs/redis.md,
// "Failover").
//
// On a failover Sentinel promotes the replica at once but reconfigures the old master, which may
// still be running, only about ten seconds later; a client that waits for -READONLY writes to the
// old master until then, and those writes are lost when it resynchronises. A MasterWatch (one
// thread, one pub/sub connection per sentinel) listens to the sentinels' events for the
// configured master and writes a MasterSignal; every Client with sentinels configured reads the
// process' signal (SetMasterSignal) before each call:
//   - from the failover's first step (+try-failover) until Sentinel names the new master
//     (+switch-master) or gives up (-failover-abort-*), at most kFailoverPauseMaxMs, calls fail
//     fast with kUnavailable ("failing over"), so that nothing is written to either server;
//   - +switch-master bumps the epoch: a client connected before it closes its connection and finds
//     the master through Sentinel again before its next call;
//   - the watch stamps `fresh_ms` each time it has heard everything the sentinels said (at least
//     every kWatchPollMs); a client that finds it older than kStaleAfterMs (the watch is down, or
//     the process was stopped and has just resumed, its messages not read yet) asks a sentinel
//     for the master itself before its call, at most once per kStaleAfterMs.
// What remains: a write sent before the signal reached the client and received by the old
// master after the replica was promoted (milliseconds, see docs/redis.md).
//
// MasterSignal is plain lock-free atomics, valid in memory shared between processes (the agent's
// board). Thread-safe and process-safe.

#include <atomic>
#include <cstdint>
#include <memory>

#include "panoptes/site_config.h"

namespace panoptes::redis {

inline constexpr int kFailoverPauseMaxMs = 5000;
inline constexpr int kWatchPollMs = 200;
inline constexpr int kStaleAfterMs = 1000;

struct MasterSignal {
  std::atomic<uint64_t> epoch{0};            // bumped when Sentinel names another master
  std::atomic<int64_t> paused_until_ms{0};   // MonotonicMs: a failover is under way until then
  std::atomic<int64_t> fresh_ms{0};          // MonotonicMs of the watch's last complete read
  std::atomic<uint64_t> switches{0};         // +switch-master messages seen (tests, logs)
  std::atomic<uint64_t> failovers_begun{0};  // failovers whose start was seen (tests, logs)

  // Back to its initial state, for a new watch. REQUIRES: no watch writes it, no client reads it.
  void Clear() {
    epoch.store(0);
    paused_until_ms.store(0);
    fresh_ms.store(0);
    switches.store(0);
    failovers_begun.store(0);
  }
};
static_assert(std::atomic<uint64_t>::is_always_lock_free && std::atomic<int64_t>::is_always_lock_free,
              "a MasterSignal may live in shared memory: its atomics must be lock-free");

// CLOCK_MONOTONIC in milliseconds (the same clock in every process of the host).
int64_t MonotonicMs();

// The signal every Client of this process reads (nullptr: none, the default: clients rely on
// reconnects and -READONLY alone). Set it before the process starts threads or forks; children
// forked afterwards inherit it (point it into shared memory for them to share the watch).
void SetMasterSignal(MasterSignal* signal);
MasterSignal* GetMasterSignal();

class MasterWatch {
 public:
  // Starts the watch thread for `config`'s sentinels and master name; nullptr when `config` has
  // no sentinels. The thread runs until the MasterWatch is destroyed.
  static std::unique_ptr<MasterWatch> Start(const RedisConfig& config, MasterSignal& signal);
  ~MasterWatch();
  MasterWatch(const MasterWatch&) = delete;
  MasterWatch& operator=(const MasterWatch&) = delete;

 private:
  struct Impl;
  explicit MasterWatch(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace panoptes::redis
