// StreamGroup (src/consumer/stream_group.h) against a real redis-server: own pending entries after a
// restart under the same name, claims, and pruning of idle consumer names.
#include "consumer/stream_group.h"

#include <gtest/gtest.h>

#include "redis/client.h"
#include "support/redis_server.h"

namespace panoptes::testing {
namespace {

using namespace std::chrono_literals;

class StreamGroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.Start());
    prefix_ = redis_.Config().key_prefix;
    client_ = std::make_unique<redis::Client>(redis_.Config(), "stream-group-test");
  }
  consumer::StreamGroup Group(const std::string& name) {
    return consumer::StreamGroup(*client_, prefix_, {"s1"}, "g", name);
  }
  void Add(int n) {
    for (int i = 0; i < n; ++i)
      ASSERT_TRUE(client_->Command({"XADD", prefix_ + ":metrics:s1", "*", "data", "x"}).ok());
  }

  RedisServer redis_;
  std::string prefix_;
  std::unique_ptr<redis::Client> client_;
};

TEST_F(StreamGroupTest, RestartedConsumerGetsItsOwnPendingEntriesBackOnce) {
  auto first = Group("c1");
  ASSERT_TRUE(first.Ensure().ok());
  Add(3);
  auto read = first.ReadNew(10, 0ms);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->size(), 3u);
  auto again = Group("c1");  // the same name after a restart
  auto own = again.ReadOwnPending(2);
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->size(), 2u) << "in pages of `count`";
  auto rest = again.ReadOwnPending(2);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest->size(), 1u);
  auto done = again.ReadOwnPending(2);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->empty()) << "each pending entry is returned once";
  EXPECT_EQ((*own)[0].id, (*read)[0].id);
}

TEST_F(StreamGroupTest, IdleConsumerNamesWithoutPendingEntriesArePruned) {
  auto old_one = Group("old");
  ASSERT_TRUE(old_one.Ensure().ok());
  Add(2);
  auto read = old_one.ReadNew(10, 0ms);
  ASSERT_TRUE(read.ok());
  auto busy = Group("busy");
  Add(1);
  auto held = busy.ReadNew(10, 0ms);
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->size(), 1u);
  ASSERT_TRUE(old_one.Ack(*read).ok());
  auto me = Group("me");
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto pruned = me.PruneConsumers(50ms);
        return pruned.ok() && *pruned == 1;
      },
      5s, "the idle consumer without pending entries is removed"));
  auto list = client_->Command({"XINFO", "CONSUMERS", prefix_ + ":metrics:s1", "g"});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->elements.size(), 1u) << "the consumer holding an entry stays";
  EXPECT_EQ(list->elements[0].elements[1].str, "busy");
}

TEST_F(StreamGroupTest, GroupRecreatedWhenRedisLostIt) {
  auto group = Group("c1");
  ASSERT_TRUE(group.Ensure().ok());
  ASSERT_TRUE(redis_.Restart());  // no persistence: the stream and its group are gone
  Add(1);
  auto read = group.ReadNew(10, 0ms);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->size(), 1u) << "NOGROUP: the group is created again (from 0) and read";
}

}  // namespace
}  // namespace panoptes::testing
