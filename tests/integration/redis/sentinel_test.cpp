#include <chrono>

#include <gtest/gtest.h>

#include "redis/client.h"
#include "support/redis_server.h"

namespace panoptes::redis {
namespace {

using testing::SentinelCluster;
using testing::WaitUntil;
using namespace std::chrono_literals;

TEST(Integration, SentinelFailoverClientFindsNewMaster) {
  SentinelCluster cluster(1);
  ASSERT_TRUE(cluster.Start());
  Client client(cluster.Config(), "test");
  ASSERT_TRUE(client.Command({"SET", "before", "1"}).ok());
  EXPECT_EQ(client.endpoint(), "127.0.0.1:" + std::to_string(cluster.master().port()));
  int replica_port = cluster.replica().port();
  ASSERT_TRUE(WaitUntil(
      [&] {
        return cluster.replica().Cli({"GET", "before"}) == "1";
      },
      5s))
      << "replica did not receive the write";

  cluster.master().Kill();
  ASSERT_TRUE(WaitUntil([&] { return cluster.ReportedMasterPort() == replica_port; }, 20s))
      << "sentinel did not promote the replica within 20 s";
  ASSERT_TRUE(WaitUntil(
      [&] {
        return client.Command({"SET", "after", "2"}).ok();
      },
      10s))
      << "client did not carry on writing after the failover";
  EXPECT_EQ(client.endpoint(), "127.0.0.1:" + std::to_string(replica_port));
  EXPECT_EQ(client.Command({"GET", "before"})->str, "1");
  EXPECT_EQ(client.Command({"GET", "after"})->str, "2");
}

}  // namespace
}  // namespace panoptes::redis
