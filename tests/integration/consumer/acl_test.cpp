// panoptes-consumer as the consumer user of config/redis-acl.conf on a real redis-server: it reads
// the stream through its group, writes to InfluxDB, acknowledges and dead-letters; given a role
// without those rights, it says which command Redis refused and why.
#include <chrono>

#include "integration/consumer/consumer_fixture.h"
#include "support/redis_acl.h"

namespace panoptes::testing {
namespace {

using namespace std::chrono_literals;

class ConsumerAclTest : public ConsumerTest {
 protected:
  void As(const std::string& role) { WriteConfig("name = acl\n\n[redis]\n" + AclUserIni(dir_.path(), role)); }
  int64_t Int(const std::vector<std::string>& argv) {
    auto r = client_->Command(argv);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->integer : -1;
  }
};

TEST_F(ConsumerAclTest, TheConsumerUserReadsWritesAcknowledgesAndDeadLetters) {
  ASSERT_EQ(ApplyAclFile(*client_, prefix_), 4);
  As("consumer");
  StartConsumer("");
  Add(Group("acl.stats", "sw1", 1700000000, 1));
  Add(Group("acl.stats", "sw2", 1700000000, 2), "dc2");
  AddRaw("{not json");
  ASSERT_TRUE(WaitUntil([&] { return influx_.CountPoints(kDatabase, "acl_stats") == 2; }, 20s,
                        "both points in influxdb"))
      << ConsumerLog("");
  ASSERT_TRUE(
      WaitUntil([&] { return Pending("dc1") == 0 && Pending("dc2") == 0; }, 10s, "entries acknowledged"))
      << ConsumerLog("");
  EXPECT_EQ(Int({"LLEN", prefix_ + ":deadletter:consumer"}), 1) << "the invalid entry, dead-lettered";
  EXPECT_EQ(ConsumerLog("").find("NOPERM"), std::string::npos) << ConsumerLog("");
}

TEST_F(ConsumerAclTest, AConsumerWithoutTheRightsItNeedsSaysWhatRedisRefused) {
  ASSERT_EQ(ApplyAclFile(*client_, prefix_), 4);
  As("ctl");  // read-only: cannot create its group nor acknowledge
  StartConsumer("");
  Add(Group("acl.stats", "sw1", 1700000000, 1));
  ASSERT_TRUE(WaitUntil([&] { return ConsumerLog("").find("NOPERM") != std::string::npos; }, 20s,
                        "the refusal in the consumer's log"))
      << ConsumerLog("");
  std::string log = ConsumerLog("");
  EXPECT_NE(log.find("create consumer group panoptes-consumer on " + Stream("dc1")), std::string::npos)
      << log;
  EXPECT_NE(log.find("XGROUP: NOPERM this user has no permissions to run the 'xgroup|create' command"),
            std::string::npos)
      << "the command and Redis' reason: " << log;
  EXPECT_EQ(influx_.CountPoints(kDatabase, "acl_stats"), 0);
}

}  // namespace
}  // namespace panoptes::testing
