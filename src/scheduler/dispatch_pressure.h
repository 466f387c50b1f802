#pragma once
// Lets a rebuild's writes give way to the dispatch. Both go to the same Redis, which runs one
// command at a time: a rebuild of 1M entries is seconds of Redis' CPU, and on a busy machine
// every batch it sends is time the dispatch script waits for. The dispatch thread reports after
// each call whether it is behind (it filled a whole batch, so more is due, or a task it pushed was
// late by more than kBehindMs); the maintenance thread calls Yield() before each batch of rebuild
// writes, which waits while the dispatch is behind, at most `max_wait` per batch (so a rebuild
// always progresses, and a dispatch that cannot catch up does not stop it).
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace panoptes::scheduler {

class DispatchPressure {
 public:
  static constexpr int64_t kBehindMs = 20;
  static constexpr std::chrono::milliseconds kDefaultMaxWait{50};

  explicit DispatchPressure(std::chrono::milliseconds max_wait = kDefaultMaxWait) : max_wait_(max_wait) {}

  // Dispatch thread, after each dispatch call: `dispatched` tasks of at most `batch`, the latest
  // of them `max_lateness_ms` late.
  void Report(int64_t dispatched, int64_t batch, int64_t max_lateness_ms);
  // Not dispatching any more (leadership lost, stopping): nothing to give way to.
  void Clear();
  bool behind() const;

  // Maintenance thread: returns once the dispatch is not behind, or after max_wait. Returns the
  // time it waited.
  std::chrono::milliseconds Yield();
  // Total time Yield() waited, ms.
  int64_t waited_ms() const;

 private:
  const std::chrono::milliseconds max_wait_;
  mutable std::mutex mu_;
  std::condition_variable caught_up_;
  bool behind_ = false;    // guarded by mu_
  int64_t waited_ms_ = 0;  // guarded by mu_
};

}  // namespace panoptes::scheduler
