#include "scheduler/dispatch_pressure.h"

namespace panoptes::scheduler {

void DispatchPressure::Report(int64_t dispatched, int64_t batch, int64_t max_lateness_ms) {
  bool behind = dispatched >= batch || max_lateness_ms > kBehindMs;
  std::lock_guard lock(mu_);
  behind_ = behind;
  if (!behind) caught_up_.notify_all();
}

void DispatchPressure::Clear() {
  std::lock_guard lock(mu_);
  behind_ = false;
  caught_up_.notify_all();
}

bool DispatchPressure::behind() const {
  std::lock_guard lock(mu_);
  return behind_;
}

std::chrono::milliseconds DispatchPressure::Yield() {
  using Clock = std::chrono::steady_clock;
  std::unique_lock lock(mu_);
  if (!behind_) return std::chrono::milliseconds(0);
  auto start = Clock::now();
  caught_up_.wait_for(lock, max_wait_, [this] { return !behind_; });
  auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  waited_ms_ += waited.count();
  return waited;
}

int64_t DispatchPressure::waited_ms() const {
  std::lock_guard lock(mu_);
  return waited_ms_;
}

}  // namespace panoptes::scheduler
