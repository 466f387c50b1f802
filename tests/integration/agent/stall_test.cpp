// A stopped agent (SIGSTOP of the supervisor and its workers: a VM pause, a hung host) against a
// real redis-server and a second agent: no run of a plugin/resource pair is ever concurrent with
// another, whether the stop ends before the run's lock does (nobody else runs the pair, the run
// goes on) or after (the other agent runs the pair, the stopped run has died at its own deadline
// and writes nothing more). The probe plugin logs each run's start and end in a file, outside Redis.

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "config/identity.h"
#include "integration/agent/agent_fixture.h"
#include "process/process.h"
#include "redis/keys.h"

namespace panoptes::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

pid_t ParentOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  auto close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(line.substr(close + 2));
  char state = 0;
  pid_t ppid = -1;
  rest >> state >> ppid;
  return ppid;
}

// SIGSTOP / SIGCONT to an agent and all its workers, as a VM pause does.
void SignalAgent(pid_t agent, int sig) {
  std::vector<pid_t> all = AgentTest::Children(agent);
  all.push_back(agent);
  for (pid_t p : all) (void)process::SendSignal(p, sig);
}

struct ProbeRun {
  int pid = 0;
  double start = 0;
  double end = -1;  // -1: never ended (aborted)
};

std::vector<ProbeRun> Runs(const std::string& log) {
  std::vector<ProbeRun> runs;
  for (const auto& l : AgentTest::ReadRunLog(log)) {
    if (l.what == "start") runs.push_back({l.pid, l.time, -1});
    for (auto& r : runs) {
      if (l.what == "end" && r.pid == l.pid && r.end < 0 && r.start <= l.time) r.end = l.time;
    }
  }
  return runs;
}

// Pushes a task for the pair every 250 ms for `d` (the scheduler's stand-in).
void FeedFor(AgentTest& t, const std::string& plugin, double limit, Clock::duration d) {
  auto end = Clock::now() + d;
  while (Clock::now() < end) {
    t.Push(t.MakeTask(plugin, AgentTest::TestResource("sw1"), limit));
    std::this_thread::sleep_for(milliseconds(250));  // the producer's pace, not a synchronisation
  }
}

TEST_F(AgentTest, AgentStoppedLongerThanItsHeartbeatKeepsItsRunAndNobodyElseRunsThePair) {
  // A 3 s run with a 10 s time limit: its lock lives 13 s; the stop lasts 4 s (heartbeat TTL: 1 s).
  std::string runs = AddPlugin({"patient", "sleep", 1, 10, 3});
  http_port_ = 0;  // two agents: no /metrics listener (they would share its port)
  WriteConfig();
  pid_t first = StartAgent(1);
  pid_t second = StartAgent(1);
  Push(MakeTask("patient", TestResource("sw1"), 10));
  ASSERT_TRUE(WaitUntil([&] { return Runs(runs).size() == 1; }, seconds(20))) << AgentLog(0) << AgentLog(1);
  int runner = Runs(runs)[0].pid;
  pid_t stopped = ParentOf(runner);
  ASSERT_TRUE(stopped == first || stopped == second);
  SignalAgent(stopped, SIGSTOP);
  FeedFor(*this, "patient", 10, seconds(4));  // the other agent is handed the pair meanwhile
  SignalAgent(stopped, SIGCONT);
  pid_t other = stopped == first ? second : first;
  EXPECT_TRUE(process::SendSignal(other, 0).ok()) << "the other agent ran throughout";
  EXPECT_NE(AgentLog(other == first ? 0 : 1).find("skipped: locked"), std::string::npos)
      << "the other agent was handed the pair and found it locked";
  ASSERT_TRUE(WaitUntil([&] { return Runs(runs)[0].end > 0; }, seconds(10)))
      << "the resumed run goes on and ends\n"
      << AgentLog(0) << AgentLog(1);
  auto all = Runs(runs);
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_GE(all[i].start, all[0].end) << "run by pid " << all[i].pid << " overlapped the stopped run";
  }
  Task probe = MakeTask("patient", TestResource("sw1"), 10);
  ASSERT_TRUE(WaitUntil([&] { return Meta("patient", probe)["last_status"] == "ok"; }, seconds(10)));
  EXPECT_EQ(AgentLog(stopped == first ? 0 : 1).find("was refused"), std::string::npos)
      << "the stopped run was not reaped: its finish applies";
}

TEST_F(AgentTest, AgentStoppedPastItsRunsLockLetsAnotherRunAndItsOwnRunAborts) {
  // A 2.5 s run with a 3 s time limit: its lock lives 6 s; the agent is stopped for 10 s.
  std::string runs = AddPlugin({"probe", "sleep", 1, 3, 2.5});
  http_port_ = 0;  // two agents: no /metrics listener (they would share its port)
  WriteConfig();
  pid_t first = StartAgent(1);
  Push(MakeTask("probe", TestResource("sw1"), 3));
  ASSERT_TRUE(WaitUntil([&] { return Runs(runs).size() == 1; }, seconds(20))) << AgentLog(0);
  ProbeRun stopped = Runs(runs)[0];
  ASSERT_EQ(ParentOf(stopped.pid), first);
  SignalAgent(first, SIGSTOP);
  pid_t second = StartAgent(1);
  FeedFor(*this, "probe", 3, seconds(10));
  bool other_ran = false;
  for (const ProbeRun& r : Runs(runs)) other_ran = other_ran || r.pid != stopped.pid;
  SignalAgent(first, SIGCONT);
  EXPECT_TRUE(process::SendSignal(second, 0).ok()) << "the other agent ran throughout";
  ASSERT_TRUE(other_ran) << "the other agent ran the pair once the stopped run's lock ended\n" << AgentLog(1);
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto c = Children(first);
        return std::find(c.begin(), c.end(), stopped.pid) == c.end();
      },
      seconds(5)))
      << "the stopped worker died at its own deadline";
  // Dead, it writes nothing more; let the other agent's last run end, then look at every run.
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto all = Runs(runs);
        return all.back().pid == stopped.pid || all.back().end > 0;
      },
      seconds(10)));
  auto all = Runs(runs);
  ASSERT_EQ(all[0].pid, stopped.pid);
  EXPECT_LT(all[0].end, 0) << "the stopped run wrote its end after the stop: it ran on past its lock";
  for (const auto& l : ReadRunLog(runs)) {
    if (l.pid == stopped.pid) {
      EXPECT_LT(l.time, stopped.start + 3.1) << l.what << " after its deadline";
    }
  }
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_NE(all[i].pid, stopped.pid);
    EXPECT_GE(all[i].start, stopped.start + 3) << "a run began before the stopped one's deadline";
    if (i + 1 < all.size()) {
      EXPECT_GE(all[i + 1].start, all[i].end) << "the other agent's runs overlap";
    }
  }
}

}  // namespace
}  // namespace panoptes::testing
