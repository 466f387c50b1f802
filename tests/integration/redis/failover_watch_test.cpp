// A Sentinel failover (SENTINEL FAILOVER: the old master stays up, and Sentinel demotes it only
// some ten seconds later) against real redis-server and redis-sentinel processes: a client that
// follows the process' MasterSignal leaves the old master as soon as Sentinel names the new one,
// without waiting for -READONLY, and no write it had acknowledged is lost.

#include <chrono>

#include <gtest/gtest.h>

#include "redis/client.h"
#include "redis/master_watch.h"
#include "support/redis_server.h"

namespace panoptes::redis {
namespace {

using testing::SentinelCluster;
using testing::WaitUntil;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Sets the process' signal for one test.
struct SignalScope {
  explicit SignalScope(MasterSignal* s) { SetMasterSignal(s); }
  ~SignalScope() { SetMasterSignal(nullptr); }
};

bool StillMaster(testing::RedisServer& server) {
  return server.Cli({"INFO", "replication"}).find("role:master") != std::string::npos;
}

TEST(Integration, SentinelSwitchMessageMovesTheClientWithoutReadonlyAndLosesNoWrite) {
  SentinelCluster cluster(1);
  ASSERT_TRUE(cluster.Start());
  MasterSignal signal;
  SignalScope scope(&signal);
  auto watch = MasterWatch::Start(cluster.Config(), signal);
  ASSERT_NE(watch, nullptr);
  ASSERT_TRUE(WaitUntil([&] { return signal.fresh_ms.load() > 0; }, 5s, "the watch subscribes"));
  Client client(cluster.Config(), "test");
  std::string old_master = "127.0.0.1:" + std::to_string(cluster.master().port());
  std::string new_master = "127.0.0.1:" + std::to_string(cluster.replica().port());
  ASSERT_TRUE(client.Command({"SET", "before", "1"}).ok());
  ASSERT_EQ(client.endpoint(), old_master);

  ASSERT_TRUE(cluster.Failover());
  auto asked = Clock::now();
  int64_t acked = 0;
  bool waited = false;
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto r = client.Command({"INCR", "n"});
        if (r.ok()) ++acked;
        if (!r.ok() && r.status().message().find("failing over") != std::string::npos) waited = true;
        return r.ok() && client.endpoint() == new_master;
      },
      8s, "the client writes to the promoted replica"));
  auto moved_after = Clock::now() - asked;
  // The old master still takes writes: the client moved on Sentinel's word, not on -READONLY.
  EXPECT_TRUE(StillMaster(cluster.master())) << "the test needs the old master not yet demoted";
  EXPECT_LT(moved_after, 5s);
  EXPECT_EQ(signal.failovers_begun.load(), 1u);
  EXPECT_EQ(signal.switches.load(), 1u);
  EXPECT_EQ(signal.paused_until_ms.load(), 0) << "the pause ends with the switch";
  EXPECT_TRUE(waited) << "calls wait while Sentinel fails over";
  // Every write the client saw acknowledged is on the new master: none went to the old one after
  // the promotion.
  EXPECT_EQ(cluster.replica().Cli({"GET", "n"}), std::to_string(acked));
  EXPECT_EQ(cluster.replica().Cli({"GET", "before"}), "1");
}

// No watch running (or a process stopped past its messages): the client asks Sentinel itself once
// the signal has not been confirmed for kStaleAfterMs, and moves just the same.
TEST(Integration, SentinelClientWithASilentWatchAsksSentinelItself) {
  SentinelCluster cluster(1);
  ASSERT_TRUE(cluster.Start());
  MasterSignal signal;  // never written: no watch
  SignalScope scope(&signal);
  Client client(cluster.Config(), "test");
  std::string new_master = "127.0.0.1:" + std::to_string(cluster.replica().port());
  ASSERT_TRUE(client.Command({"SET", "before", "1"}).ok());
  ASSERT_TRUE(cluster.Failover());
  ASSERT_TRUE(WaitUntil([&] { return cluster.ReportedMasterPort() == cluster.replica().port(); }, 10s,
                        "Sentinel names the replica"));
  auto named = Clock::now();
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto r = client.Command({"INCR", "n"});
        return r.ok() && client.endpoint() == new_master;
      },
      5s, "the client writes to the promoted replica"));
  EXPECT_LT(Clock::now() - named, std::chrono::milliseconds(kStaleAfterMs + 1000));
  EXPECT_TRUE(StillMaster(cluster.master())) << "the client moved before the old master was demoted";
}

}  // namespace
}  // namespace panoptes::redis
