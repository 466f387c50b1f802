// Worker rlimits (limits.h), in forked children so the test process keeps its limits.
#include "process/limits.h"

#include <signal.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "process/process.h"

namespace panoptes::process {
namespace {

rlim_t Soft(int resource) {
  rlimit l{};
  getrlimit(resource, &l);
  return l.rlim_cur;
}

// Runs `child` in a forked process; its return value is the exit code.
ExitInfo InChild(int (*child)()) {
  auto pid = Fork();
  if (!pid.ok()) return {};
  if (*pid == 0) _exit(child());
  return WaitFor(*pid, 20000).value_or(ExitInfo{});
}

TEST(Unit, WorkerAndRunLimitsAreSetAndPutBack) {
  ExitInfo info = InChild([] {
    if (!ApplyWorkerLimits({0, 0, 100}, false).ok()) return 2;
    rlimit core{};
    getrlimit(RLIMIT_CORE, &core);
    if (core.rlim_cur != 0 || core.rlim_max != 0) return 3;
    if (Soft(RLIMIT_NOFILE) != 100 || Soft(RLIMIT_CPU) != RLIM_INFINITY) return 4;
    if (!BeginRunLimits({2048, 5, 64}).ok()) return 5;
    if (Soft(RLIMIT_NOFILE) != 64 || Soft(RLIMIT_AS) != 2048ull << 20) return 6;
    if (Soft(RLIMIT_CPU) < 5 || Soft(RLIMIT_CPU) > 7) return 7;  // CPU used so far (~0) + 5
    if (!EndRunLimits({0, 0, 100}).ok()) return 8;
    if (Soft(RLIMIT_NOFILE) != 100 || Soft(RLIMIT_CPU) != RLIM_INFINITY) return 9;
    return Soft(RLIMIT_AS) == RLIM_INFINITY ? 0 : 10;
  });
  EXPECT_TRUE(info.Clean()) << info.Describe();
}

TEST(Unit, RunPastItsCpuLimitGetsSigxcpu) {
  ExitInfo info = InChild([] {
    if (!BeginRunLimits({0, 1, 0}).ok()) return 2;
    timespec t{};
    for (;;) {  // burns CPU until the kernel sends SIGXCPU (default action: end the process)
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
      if (t.tv_sec > 10) return 3;
    }
  });
  EXPECT_TRUE(info.signaled) << info.Describe();
  EXPECT_EQ(info.signal, SIGXCPU) << info.Describe();
}

}  // namespace
}  // namespace panoptes::process
