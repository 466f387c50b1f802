// process::KillTimer: the process dies at its deadline even while stopped, and not when disarmed.

#include "process/kill_timer.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "process/process.h"

namespace panoptes::testing {
namespace {

// The state letter of /proc/<pid>/stat ('T' stopped, 'Z' zombie...); '?' when unreadable.
char ProcState(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  auto close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() ? '?' : line[close + 2];
}

// Forks a child that arms its timer `in_ms` ahead, optionally disarms it, then stops itself
// (or sleeps `sleep_ms` and exits 0 when not stopping).
pid_t Child(int64_t in_ms, bool disarm, bool stop, int sleep_ms) {
  auto pid = process::Fork();
  if (!pid.ok()) return -1;
  if (*pid == 0) {
    auto timer = process::KillTimer::Create();
    if (!timer.ok()) _exit(2);
    if (!(*timer)->ArmAt(process::KillTimer::NowMs() + in_ms).ok()) _exit(3);
    if (disarm && !(*timer)->Disarm().ok()) _exit(4);
    if (stop) raise(SIGSTOP);
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    _exit(0);
  }
  return *pid;
}

TEST(KillTimer, KillsAStoppedProcessAtItsDeadline) {
  pid_t pid = Child(300, false, true, 0);
  ASSERT_GT(pid, 0);
  auto start = std::chrono::steady_clock::now();
  // Never continued: only the timer can end it.
  auto info = process::WaitFor(pid, 5000);
  if (!info) (void)process::SendSignal(pid, SIGKILL), process::WaitFor(pid, 1000);
  ASSERT_TRUE(info) << "a stopped process outlived its deadline (state " << ProcState(pid) << ")";
  EXPECT_TRUE(info->signaled && info->signal == SIGKILL) << info->Describe();
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(250));
}

TEST(KillTimer, DeadlineInThePastKillsAtOnce) {
  pid_t pid = Child(-1000, false, false, 5000);
  ASSERT_GT(pid, 0);
  auto info = process::WaitFor(pid, 3000);
  if (!info) (void)process::SendSignal(pid, SIGKILL), process::WaitFor(pid, 1000);
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->signaled && info->signal == SIGKILL) << info->Describe();
}

TEST(KillTimer, DisarmedTimerLetsTheProcessLive) {
  pid_t pid = Child(100, true, false, 400);
  ASSERT_GT(pid, 0);
  auto info = process::WaitFor(pid, 5000);
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->Clean()) << info->Describe();
}

}  // namespace
}  // namespace panoptes::testing
