// The snmpsimd fixture itself: it serves the shipped recordings, one community per file, and stops.
#include "support/snmp_sim.h"

#include <gtest/gtest.h>

namespace panoptes::testing {
namespace {

TEST(SnmpSim, ServesEveryRecordingByCommunityAndStops) {
  SnmpSim sim;
  int port = sim.Start(SnmpRecordingsDir());
  ASSERT_NE(port, 0);
  EXPECT_EQ(sim.Start(SnmpRecordingsDir()), port) << "a second Start while running keeps the port";
  for (const char* community : {"switch48", "juniper_mx", "cisco_ios", "errors"}) {
    EXPECT_TRUE(AnswersSnmpGet(port, community, 2000)) << community;
  }
  EXPECT_FALSE(AnswersSnmpGet(port, "no-such-community", 300)) << "an unknown community gets no answer";
  sim.Stop();
  EXPECT_FALSE(sim.running());
  EXPECT_FALSE(AnswersSnmpGet(port, "switch48", 300)) << "nothing answers after Stop";
}

}  // namespace
}  // namespace panoptes::testing
