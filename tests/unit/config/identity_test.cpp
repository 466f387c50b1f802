#include "config/identity.h"

#include <gtest/gtest.h>

namespace panoptes::config {
namespace {

TEST(Unit, NormalizedNameDoublesUnderscoresThenReplacesOtherCharacters) {
  EXPECT_EQ(NormalizedName("Interface_Metrics v2"), "Interface__Metrics_v2");
  EXPECT_EQ(NormalizedName("Device Interface Metrics Plugin"), "Device_Interface_Metrics_Plugin");
  EXPECT_EQ(NormalizedName("a.b-c:d/e"), "a_b_c_d_e");
  EXPECT_EQ(NormalizedName("__"), "____");
  EXPECT_EQ(NormalizedName("_ _"), "_____");
  EXPECT_EQ(NormalizedName("abc123XYZ"), "abc123XYZ");
  EXPECT_EQ(NormalizedName(""), "");
}

TEST(Unit, NormalizedNameReplacesEachNonAsciiCharacterOnce) {
  // As Python 3's re.sub on str: one '_' per character, not per UTF-8 byte.
  EXPECT_EQ(NormalizedName("\xC3\x9C"
                           "ber"),
            "_ber");  // "Über"
  EXPECT_EQ(NormalizedName("a\xE2\x82\xAC"
                           "b"),
            "a_b");                                                     // "a€b"
  EXPECT_EQ(NormalizedName("\xF0\x9F\x98\x80\xF0\x9F\x98\x80"), "__");  // two emoji
}

}  // namespace
}  // namespace panoptes::config
