// An agent over a Sentinel failover (SENTINEL FAILOVER: the replica is promoted, the old master
// stays up and is demoted only some ten seconds later), against real redis-server and
// redis-sentinel processes: a run in flight when the failover happens finishes on the new master,
// recorded ok (not crashed when the old master is demoted), and the agent runs the next task there.

#include <chrono>
#include <thread>

#include "config/identity.h"
#include "integration/agent/agent_fixture.h"
#include "redis/master_watch.h"

namespace panoptes::testing {
namespace {

using std::chrono::seconds;

class AgentFailoverTest : public AgentTest {
 protected:
  void SetUp() override {
    AgentTest::SetUp();
    ASSERT_TRUE(cluster_.Start());
    RedisConfig rc = cluster_.Config(prefix_);
    // The test's own client follows the failover too (as the daemons do).
    redis::SetMasterSignal(&signal_);
    watch_ = redis::MasterWatch::Start(rc, signal_);
    client_ = std::make_unique<redis::Client>(rc, "agent-test");
    redis_where_ =
        "sentinels = 127.0.0.1:" + std::to_string(rc.sentinels.at(0).port) + "\nmaster_name = mymaster";
  }
  void TearDown() override {
    AgentTest::TearDown();
    watch_.reset();
    redis::SetMasterSignal(nullptr);
  }

  // A field of the pair's meta on the promoted replica (the new master), read directly.
  std::string NewMasterMeta(const Task& task, const std::string& field) {
    return cluster_.replica().Cli(
        {"HGET", Key("meta:polling:" + config::NormalizedName(task.plugin) + ":" + task.signature), field});
  }
  bool OldMasterStillMaster() {
    return cluster_.master().Cli({"INFO", "replication"}).find("role:master") != std::string::npos;
  }

  SentinelCluster cluster_;
  redis::MasterSignal signal_;
  std::unique_ptr<redis::MasterWatch> watch_;
};

TEST_F(AgentFailoverTest, RunInFlightOverAFailoverFinishesOnTheNewMaster) {
  std::string runs = AddPlugin({"patient", "sleep", 60, 20, 3});
  http_port_ = 0;
  WriteConfig();
  StartAgent(2);
  Task task = MakeTask("patient", TestResource("sw1"), 20);
  Push(task);
  ASSERT_TRUE(WaitUntil([&] { return ReadRunLog(runs).size() == 1; }, seconds(20), "the run starts"))
      << AgentLog(0);
  // The failover first waits for the replica to hold what the master has, the run's lock included.
  std::string lock = Key("lock:polling:" + config::NormalizedName("patient") + ":" + task.signature);
  ASSERT_TRUE(cluster_.Failover());
  ASSERT_TRUE(WaitUntil([&] { return ReadRunLog(runs).size() == 2; }, seconds(10), "the run ends"))
      << AgentLog(0);
  // Its finish reached the new master while the old one still took writes.
  ASSERT_TRUE(WaitUntil([&] { return NewMasterMeta(task, "last_status") == "ok"; }, seconds(5),
                        "the new master records the run ok"))
      << AgentLog(0);
  EXPECT_TRUE(OldMasterStillMaster()) << "the test needs the old master not yet demoted";
  EXPECT_EQ(cluster_.replica().Cli({"EXISTS", lock}), "0")
      << "the finish released the lock on the new master";

  // The next task goes to the new master and runs there.
  Task next = MakeTask("patient", TestResource("sw2"), 20);
  ASSERT_TRUE(
      WaitUntil([&] { return client_->Command({"PING"}).ok(); }, seconds(5), "the test's client moves"));
  Push(next);
  ASSERT_TRUE(WaitUntil([&] { return NewMasterMeta(next, "last_status") == "ok"; }, seconds(20),
                        "the next task runs on the new master"))
      << AgentLog(0);

  // Once Sentinel demotes the old master, nothing recorded there mattered: no crash record, no
  // running record left for a reaper.
  ASSERT_TRUE(
      WaitUntil([&] { return !OldMasterStillMaster(); }, seconds(30), "Sentinel demotes the old master"));
  // A bounded look for something that must not happen: three heartbeat TTLs (1 s) and reap periods.
  std::this_thread::sleep_for(seconds(3));
  EXPECT_EQ(NewMasterMeta(task, "last_status"), "ok");
  EXPECT_EQ(NewMasterMeta(next, "last_status"), "ok");
  EXPECT_EQ(AgentLog(0).find("refused"), std::string::npos) << AgentLog(0);
}

}  // namespace
}  // namespace panoptes::testing
