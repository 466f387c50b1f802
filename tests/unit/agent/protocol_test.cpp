#include "agent/protocol.h"

#include <gtest/gtest.h>

namespace panoptes::agent {
namespace {

TEST(Unit, ProtocolRoundTripsEveryMessageType) {
  WorkerMessage run{'R', 12500, "task-1", 0, 0};
  WorkerMessage done{'D', 0, "ok", 1234, 56};
  WorkerMessage skipped{'K', 0, "too soon", 0, 0};
  WorkerMessage expired{'E', 0, "", 0, 0};
  WorkerMessage dead{'L', 0, "unknown plugin", 0, 0};
  for (const WorkerMessage& m : {run, done, skipped, expired, dead}) {
    std::string line = EncodeMessage(m);
    ASSERT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\n');
    auto parsed = ParseMessage(std::string_view(line).substr(0, line.size() - 1));
    ASSERT_TRUE(parsed.has_value()) << line;
    EXPECT_EQ(parsed->type, m.type);
    EXPECT_EQ(parsed->text, m.text) << line;
    EXPECT_EQ(parsed->time_limit_ms, m.time_limit_ms);
    EXPECT_EQ(parsed->duration_us, m.duration_us);
    EXPECT_EQ(parsed->lateness_us, m.lateness_us);
  }
}

TEST(Unit, ProtocolRejectsMalformedLines) {
  EXPECT_FALSE(ParseMessage("").has_value());
  EXPECT_FALSE(ParseMessage("Z 1").has_value());
  EXPECT_FALSE(ParseMessage("R notanumber task").has_value());
  EXPECT_FALSE(ParseMessage("D ok x 1").has_value());
}

}  // namespace
}  // namespace panoptes::agent
