#include <chrono>

#include <gtest/gtest.h>

#include "redis/client.h"
#include "support/redis_server.h"

namespace panoptes::redis {
namespace {

using testing::SentinelCluster;
using testing::WaitUntil;
using namespace std::chrono_literals;

// Writes through the sentinels, kills the master, and checks that the same client finds the
// promoted replica and carries on writing, with the data written before the failover intact.
void ExpectClientSurvivesFailover(int sentinels) {
  SentinelCluster cluster(sentinels);
  ASSERT_TRUE(cluster.Start());
  Client client(cluster.Config(), "test");
  ASSERT_TRUE(client.Command({"SET", "before", "1"}).ok());
  EXPECT_EQ(client.endpoint(), "127.0.0.1:" + std::to_string(cluster.master().port()));
  int replica_port = cluster.replica().port();
  ASSERT_TRUE(WaitUntil(
      [&] {
        return cluster.replica().Cli({"GET", "before"}) == "1";
      },
      5s, "the replica receives the write"));

  cluster.KillMaster();
  EXPECT_FALSE(client.Command({"SET", "during", "x"}).ok()) << "the master is gone";
  ASSERT_TRUE(WaitUntil([&] { return cluster.ReportedMasterPort() == replica_port; }, 15s,
                        "the sentinels promote the replica"));
  ASSERT_TRUE(WaitUntil(
      [&] {
        return client.Command({"SET", "after", "2"}).ok();
      },
      5s, "the client writes to the new master"));
  EXPECT_EQ(client.endpoint(), "127.0.0.1:" + std::to_string(replica_port));
  EXPECT_EQ(client.Command({"GET", "before"})->str, "1");
  EXPECT_EQ(client.Command({"GET", "after"})->str, "2");
}

TEST(Integration, SentinelFailoverClientFindsNewMaster) {
  ExpectClientSurvivesFailover(1);
}

TEST(Integration, SentinelFailoverWithThreeSentinelsAndQuorumTwo) {
  ExpectClientSurvivesFailover(3);
}

TEST(Integration, SentinelDiscoveryFailsClearlyForUnknownMasterName) {
  SentinelCluster cluster(1);
  ASSERT_TRUE(cluster.Start());
  RedisConfig config = cluster.Config();
  config.master_name = "nosuchmaster";
  Client client(config, "test");
  Status st = client.Connect();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_NE(st.message().find("nosuchmaster"), std::string::npos) << st.message();
}

TEST(Integration, SentinelPasswordIsSentToTheSentinels) {
  SentinelCluster cluster(1);
  ASSERT_TRUE(cluster.Start());
  RedisConfig config = cluster.Config();
  ASSERT_EQ(config.sentinels.size(), 1u);
  RedisConfig sentinel_itself;
  sentinel_itself.host = config.sentinels[0].host;
  sentinel_itself.port = config.sentinels[0].port;
  Client admin(sentinel_itself, "test-admin");
  ASSERT_TRUE(admin.Command({"ACL", "SETUSER", "default", "resetpass", ">sentinel-pw"}).ok());

  Client without(config, "test");
  Status refused = without.Connect();
  EXPECT_EQ(refused.code(), StatusCode::kUnavailable);
  EXPECT_NE(refused.message().find("NOAUTH"), std::string::npos) << refused.message();
  config.sentinel_password = "wrong";
  Client wrong(config, "test");
  Status bad = wrong.Connect();
  EXPECT_NE(bad.message().find("AUTH refused"), std::string::npos) << bad.message();
  config.sentinel_password = "sentinel-pw";
  Client with(config, "test");
  EXPECT_TRUE(with.Command({"SET", "k", "v"}).ok()) << "finds the master through the sentinel";
  EXPECT_EQ(with.endpoint(), "127.0.0.1:" + std::to_string(cluster.master().port()));
  EXPECT_TRUE(admin.Command({"ACL", "SETUSER", "default", "nopass"}).ok())
      << "for the cluster's own teardown";
}

}  // namespace
}  // namespace panoptes::redis
