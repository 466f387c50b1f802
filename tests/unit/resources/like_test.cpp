#include <gtest/gtest.h>

#include "resources/filter.h"

namespace panoptes::resources {
namespace {

TEST(Unit, LikeWithoutWildcardsIsCaseInsensitiveEquality) {
  EXPECT_TRUE(LikeMatch("abc", "ABC"));
  EXPECT_TRUE(LikeMatch("abc", "abc"));
  EXPECT_FALSE(LikeMatch("abc", "abcd"));
  EXPECT_FALSE(LikeMatch("abc", "ab"));
  EXPECT_TRUE(LikeMatch("", ""));
  EXPECT_FALSE(LikeMatch("", "a"));
}

TEST(Unit, LikePercentMatchesAnyRunIncludingEmpty) {
  EXPECT_TRUE(LikeMatch("%", ""));
  EXPECT_TRUE(LikeMatch("%", "anything"));
  EXPECT_TRUE(LikeMatch("a%", "a"));
  EXPECT_TRUE(LikeMatch("%a%b%", "xxAyyBzz"));
  EXPECT_FALSE(LikeMatch("%a%b%", "xxbyya"));
  EXPECT_TRUE(LikeMatch("%ab", "aab"));  // needs backtracking
  EXPECT_TRUE(LikeMatch("%aab%", "aaab"));
  EXPECT_TRUE(LikeMatch("a%%b", "ab"));
}

TEST(Unit, LikeUnderscoreMatchesExactlyOneUtf8Character) {
  EXPECT_TRUE(LikeMatch("caf_", "caf\xc3\xa9"));  // é is two bytes, one character
  EXPECT_FALSE(LikeMatch("caf__", "caf\xc3\xa9"));
  EXPECT_TRUE(LikeMatch("_\xe2\x98\x83_", "a\xe2\x98\x83z"));
  EXPECT_TRUE(LikeMatch("%_", "\xe2\x98\x83"));
  EXPECT_FALSE(LikeMatch("_", ""));
}

TEST(Unit, LikeFoldsOnlyAsciiCase) {
  EXPECT_TRUE(LikeMatch("\xc3\xa9", "\xc3\xa9"));
  EXPECT_FALSE(LikeMatch("\xc3\xa9", "\xc3\x89"));  // é vs É: not folded
}

TEST(Unit, LikeTreatsRegexAndGlobCharactersLiterally) {
  EXPECT_TRUE(LikeMatch("a.b*c[d]?", "A.B*C[D]?"));
  EXPECT_FALSE(LikeMatch("a.b", "axb"));
}

}  // namespace
}  // namespace panoptes::resources
