#pragma once
// A deadline that kills the calling process: a POSIX timer on CLOCK_BOOTTIME that sends SIGKILL
// to the process when it expires. CLOCK_BOOTTIME keeps counting while the process is stopped
// (SIGSTOP, a debugger, a paused container or VM guest) and while the machine is suspended, and
// SIGKILL is acted upon even by a stopped process, so nothing of the process runs after its
// deadline, whatever happened to it meanwhile: the agent's workers use it so that a plugin run
// never outlives its Redis lock (docs/agent.md, "Stalls").
//
// One per process (timers are not inherited across fork: create it in the process it guards).
// Not thread-safe: one thread arms and disarms it.

#include <time.h>

#include <cstdint>
#include <memory>

#include "panoptes/status.h"

namespace panoptes::process {

class KillTimer {
 public:
  static Result<std::unique_ptr<KillTimer>> Create();
  ~KillTimer();
  KillTimer(const KillTimer&) = delete;
  KillTimer& operator=(const KillTimer&) = delete;

  // CLOCK_BOOTTIME in milliseconds: the timer's clock.
  static int64_t NowMs();
  // Kills the process at `at_ms` (NowMs' clock); at once when that is now or past. Re-arming
  // replaces the previous deadline.
  Status ArmAt(int64_t at_ms);
  Status Disarm();

 private:
  explicit KillTimer(timer_t id) : id_(id) {}
  timer_t id_;
};

}  // namespace panoptes::process
