#include "redis/number.h"

#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace panoptes::redis {
namespace {

TEST(Unit, FixedNumberWritesSixDecimalsAsTheLuaScriptsDo) {
  EXPECT_EQ(FixedNumber(1.5), "1.500000");
  EXPECT_EQ(FixedNumber(0), "0.000000");
  EXPECT_EQ(FixedNumber(-2.25), "-2.250000");
  // A wall-clock time keeps its microseconds.
  EXPECT_EQ(FixedNumber(1764662400.123456), "1764662400.123456");
}

TEST(Unit, FixedNumberTakesTheDecimalsAsked) {
  EXPECT_EQ(FixedNumber(0.25, 3), "0.250");
  EXPECT_EQ(FixedNumber(2.0005, 0), "2");
  EXPECT_EQ(FixedNumber(1764662400.5, 3), "1764662400.500");
}

TEST(Unit, FixedNumberNeverWritesAnExponent) {
  EXPECT_EQ(FixedNumber(1e20), "100000000000000000000.000000");
  EXPECT_EQ(FixedNumber(1e-9), "0.000000");
}

TEST(Unit, FixedNumberOfAHugeValueIsNotCutShort) {
  std::string s = FixedNumber(1e300);
  ASSERT_EQ(s.size(), 301u + 7u);  // 301 digits, the point and 6 decimals
  EXPECT_EQ(s.substr(s.size() - 7), ".000000");
  EXPECT_EQ(std::stod(s), 1e300);
  EXPECT_EQ(FixedNumber(-std::numeric_limits<double>::max()).size(), 1u + 309u + 7u);
}

TEST(Unit, FixedNumberOfInfinityIsWhatRedisReadsAsInfinity) {
  EXPECT_EQ(FixedNumber(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(FixedNumber(-std::numeric_limits<double>::infinity()), "-inf");
}

}  // namespace
}  // namespace panoptes::redis
