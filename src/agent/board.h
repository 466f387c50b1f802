#pragma once
// The worker board: what each worker tells its supervisor, through memory shared between them
// instead of messages, so that a task costs the supervisor nothing (no wakeup, no syscall). The
// supervisor maps one Board (anonymous, MAP_SHARED) before it forks any worker; worker i writes
// only slot i. The supervisor polls the slots on a short timer to enforce time limits and to hand
// back a prefetched task held during a long run, and folds the counters into /metrics when they
// are scraped.
//
// Every field is an atomic (lock-free, so valid across processes): a worker can die at any point
// and leave a half-written slot, so the supervisor treats what it reads as a report, never as a
// structure to trust (the task id is for logs only). A worker's run state uses a sequence number:
// odd while a plugin runs, even otherwise; run_started_ms and time_limit_ms are written before the
// sequence becomes odd (release) and read after it (acquire).
// Thread-safe and process-safe; a slot has one writer (its worker) and one reader (the supervisor)
// and the supervisor alone resets a slot, between two workers.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "panoptes/status.h"
#include "redis/master_watch.h"

namespace panoptes::agent {

// Outcomes and reasons counted per slot, in the order of their names below.
// "timeout" here: runs not started because their lock's lifetime may have run out (worker_core.h).
inline constexpr std::array<const char*, 4> kRunOutcomes = {"ok", "empty", "error", "timeout"};
inline constexpr std::array<const char*, 4> kSkipReasons = {"locked", "too soon", "cached", "quarantined"};
inline constexpr std::array<const char*, 4> kDeadletterReasons = {"invalid", "unknown plugin", "signature",
                                                                  "kind"};
// [transforms] rates (agent/transforms.h): computed, or why they were skipped.
inline constexpr std::array<const char*, 5> kRateOutcomes = {"computed", "no previous", "bad time", "gap",
                                                             "decreased"};
inline constexpr size_t kBoardBuckets = 24;  // >= http::DurationBuckets().size() + 1 (checked)
inline constexpr size_t kTaskIdWords = 8;    // task ids are kept up to 64 bytes

struct BoardHistogram {
  std::array<std::atomic<uint64_t>, kBoardBuckets> buckets{};
  std::atomic<uint64_t> sum_us{0};
};

struct alignas(64) BoardSlot {
  std::atomic<uint64_t> run_seq{0};        // odd: a plugin run is in progress
  std::atomic<int64_t> run_started_ms{0};  // CLOCK_MONOTONIC, milliseconds
  std::atomic<int64_t> time_limit_ms{0};
  std::atomic<int64_t> deadline_ms{0};  // process::KillTimer::NowMs: the worker dies then (SIGKILL)
  std::array<std::atomic<uint64_t>, kTaskIdWords> task_id{};
  std::atomic<uint32_t> prefetched{0};  // 1 while the worker holds a prefetched task
  std::atomic<uint32_t> stop{0};        // set by the supervisor: finish the current task and exit
  std::atomic<int32_t> pid{0};          // the worker's, stored by the zygote and by the worker (0: none yet)
  std::atomic<uint32_t> importing{0};   // 1 while the running plugin's code is being imported

  std::array<std::atomic<uint64_t>, kRunOutcomes.size()> executed{};
  std::array<std::atomic<uint64_t>, kSkipReasons.size()> skipped{};
  std::array<std::atomic<uint64_t>, kDeadletterReasons.size()> deadlettered{};
  std::atomic<uint64_t> expired{0};
  std::atomic<uint64_t> gone{0};            // prefetched tasks the supervisor handed back
  std::atomic<uint64_t> finish_refused{0};  // finishes refused: the run was reaped meanwhile
  std::atomic<uint64_t> lock_lost{0};       // finishes that found the run's lock gone
  std::array<std::atomic<uint64_t>, kRateOutcomes.size()> rates{};
  BoardHistogram duration;
  BoardHistogram lateness;
};
static_assert(std::atomic<uint64_t>::is_always_lock_free && std::atomic<int64_t>::is_always_lock_free &&
                  std::atomic<uint32_t>::is_always_lock_free,
              "the board lives in shared memory: its atomics must be lock-free");

// Sentinel's failover announcements (redis/master_watch.h): one signal per Redis configuration in
// use, since after a SIGHUP that changes [redis] the old courier serves the old workers while the new
// one serves the new (redis_courier.h). Each courier's watch writes only its own signal, and the
// processes started under a configuration (its courier, the zygote and the workers forked then)
// follow only that one; the supervisor gives a new configuration a signal no courier uses.
inline constexpr size_t kMasterSignals = 4;

// What the zygote tells every worker (zygote.h): the plugin files changed. One inotify instance per
// agent (the zygote's) instead of one per worker.
struct alignas(64) BoardShared {
  std::atomic<uint64_t> plugin_generation{0};  // bumped after every change seen (and at each zygote start)
  std::atomic<uint32_t> watching{0};           // 1 while a zygote watches the plugin files
  std::array<redis::MasterSignal, kMasterSignals> masters;  // see kMasterSignals
};

// Index of `name` in `names`, or names.size() when absent.
template <size_t N>
size_t IndexOf(const std::array<const char*, N>& names, std::string_view name) {
  for (size_t i = 0; i < N; ++i)
    if (name == names[i]) return i;
  return N;
}

// CLOCK_MONOTONIC in milliseconds: the same clock in every process of the host.
int64_t MonotonicMs();

// --- worker side (the slot's only writer) ---
void BeginRun(BoardSlot& slot, std::string_view task_id, int64_t time_limit_ms);
void EndRun(BoardSlot& slot, std::string_view outcome, double duration_s, double lateness_s);
template <size_t N>
void Count(std::array<std::atomic<uint64_t>, N>& counters, size_t index) {  // ignores index >= N
  if (index < N) counters[index].fetch_add(1, std::memory_order_relaxed);
}
std::string ReadTaskId(const BoardSlot& slot);  // supervisor side: best effort, for logs

// The histogram buckets are http::DurationBuckets() (+Inf last).
const std::vector<double>& BoardBucketBounds();

// The shared mapping: a BoardShared and `n` zeroed slots, inherited by the children forked after it.
class Board {
 public:
  static Result<std::unique_ptr<Board>> Create(size_t n);
  ~Board();
  Board(const Board&) = delete;
  Board& operator=(const Board&) = delete;

  BoardSlot& slot(size_t i) { return slots_[i]; }
  BoardShared& shared() { return *shared_; }
  size_t size() const { return n_; }
  // Zeroes slot i (REQUIRES: no worker writes it).
  void Reset(size_t i);

 private:
  Board(BoardShared* shared, BoardSlot* slots, size_t n) : shared_(shared), slots_(slots), n_(n) {}
  BoardShared* shared_;
  BoardSlot* slots_;
  size_t n_;
};

}  // namespace panoptes::agent
