#pragma once
// The scheduler's counters and gauges per kind (exported on /metrics, docs/scheduler.md, "Metrics").
// Written by the kind's thread, read by the HTTP thread: every field is atomic.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "panoptes/kind.h"

namespace panoptes::scheduler {

// Upper bounds (ms) of the lateness histogram buckets; the last bucket is +Inf.
inline constexpr std::array<int64_t, 12> kLatenessBucketsMs = {1,   2,   5,   10,   25,   50,
                                                               100, 250, 500, 1000, 5000, 30000};

struct KindStats {
  std::atomic<bool> leader{false};
  std::atomic<uint64_t> leader_changes{0};   // times this scheduler became leader
  std::atomic<uint64_t> tasks_enqueued{0};   // tasks LPUSHed onto P:tasks:<kind>
  std::atomic<uint64_t> dispatch_calls{0};   // dispatch script calls
  std::atomic<uint64_t> dispatch_errors{0};  // failed dispatch calls (Redis unreachable, ...)
  std::atomic<int64_t> entries{0};           // entries in the schedule after the last rebuild
  std::atomic<int64_t> plugins_ok{0};        // plugins loaded at the last scan
  std::atomic<int64_t> plugins_failed{0};    // plugins rejected at the last scan
  std::atomic<uint64_t> scans{0};
  std::atomic<uint64_t> rebuilds{0};
  std::atomic<uint64_t> rebuild_errors{0};
  std::atomic<int64_t> last_rebuild_ms{0};  // duration of the last rebuild
  std::atomic<int64_t> resources{0};        // resources seen at the last resource read
  std::array<std::atomic<uint64_t>, kLatenessBucketsMs.size() + 1> lateness_buckets{};  // not cumulative
  std::atomic<uint64_t> lateness_sum_ms{0};
  std::atomic<uint64_t> lateness_count{0};
  std::atomic<int64_t> loop_heartbeat_ms{0};  // SteadyMs() of the loop's last turn (/healthz)

  void ObserveLateness(int64_t ms);
};

struct Stats {
  std::array<KindStats, 3> kinds;  // by KindIndex
  KindStats& Kind(PluginKind k) { return kinds[KindIndex(k)]; }
  const KindStats& Kind(PluginKind k) const { return kinds[KindIndex(k)]; }
};

// Milliseconds of the steady clock (for heartbeats).
int64_t SteadyMs();

// Prometheus text exposition of `stats` for the kinds in `kinds_mask` (bit KindIndex set).
std::string RenderPrometheus(const Stats& stats, unsigned kinds_mask);

}  // namespace panoptes::scheduler
