#include "filter_test_util.h"

namespace panoptes::resources {
namespace {

using testing::Match;
using testing::Switch;

TEST(Unit, FilterEqualsIsExactAndCaseSensitive) {
  EXPECT_TRUE(Match(R"(resource_site = "dc1")"));
  EXPECT_FALSE(Match(R"(resource_site = "DC1")"));
  EXPECT_FALSE(Match(R"(resource_site = "dc")"));
  EXPECT_TRUE(Match(R"(resource_site != "dc2")"));
  EXPECT_FALSE(Match(R"(resource_site != "dc1")"));
}

TEST(Unit, FilterReadsEveryField) {
  EXPECT_TRUE(Match(R"(resource_class = "network")"));
  EXPECT_TRUE(Match(R"(resource_subclass = "switch")"));
  EXPECT_TRUE(Match(R"(resource_type = "juniper")"));
  EXPECT_TRUE(Match(R"(resource_id = "sw1.dc1")"));
  EXPECT_TRUE(Match(R"(resource_endpoint = "sw1.dc1.example.com")"));
  EXPECT_TRUE(Match(R"(resource_plugin = "discovery_from_json")"));
  EXPECT_TRUE(Match(R"(resource_metadata.os = "JunOS")"));
}

TEST(Unit, FilterFieldNamesAndKeywordsAreCaseInsensitive) {
  EXPECT_TRUE(Match(R"(RESOURCE_Site = "dc1" and Resource_Class like "NET%" Or resource_id In ("x"))"));
  EXPECT_TRUE(Match(R"(RESOURCE_METADATA.os = "JunOS")"));
}

TEST(Unit, FilterMetadataKeysAreCaseSensitive) {
  EXPECT_FALSE(Match(R"(resource_metadata.OS = "JunOS")"));
  EXPECT_TRUE(Match(R"(resource_metadata.OS != "JunOS")"));
}

TEST(Unit, FilterAcceptsEqAndNeAsTheOriginalDid) {
  EXPECT_TRUE(Match(R"(resource_site eq "dc1")"));
  EXPECT_TRUE(Match(R"(resource_site NE "dc2")"));
}

TEST(Unit, FilterAndBindsTighterThanOr) {
  // true OR (false AND false) -> true; with left-to-right grouping it would be false.
  EXPECT_TRUE(Match(R"(resource_site = "dc1" OR resource_site = "x" AND resource_class = "y")"));
  // (false AND true) OR true -> true.
  EXPECT_TRUE(Match(R"(resource_site = "x" AND resource_class = "network" OR resource_type = "juniper")"));
  // false OR (true AND false) -> false.
  EXPECT_FALSE(Match(R"(resource_site = "x" OR resource_class = "network" AND resource_type = "y")"));
  auto filter = ParseFilter(R"(resource_site = "a" OR resource_site = "b" AND resource_class = "c")");
  ASSERT_TRUE(filter.ok());
  EXPECT_EQ(filter->ToString(), R"((resource_site = "a" OR (resource_site = "b" AND resource_class = "c")))");
}

TEST(Unit, FilterParenthesesOverridePrecedence) {
  EXPECT_FALSE(Match(R"((resource_site = "dc1" OR resource_site = "x") AND resource_class = "y")"));
  EXPECT_TRUE(Match(R"(((resource_site = "dc1")))"));
}

TEST(Unit, FilterNotNegatesClausesAndGroups) {
  EXPECT_FALSE(Match(R"(NOT resource_site = "dc1")"));
  EXPECT_TRUE(Match(R"(NOT (resource_site = "x" OR resource_class = "y"))"));
  EXPECT_FALSE(Match(R"(NOT (resource_site = "dc1" AND resource_class = "network"))"));
  EXPECT_TRUE(Match(R"(NOT NOT resource_site = "dc1")"));
  // NOT binds tighter than AND.
  EXPECT_TRUE(Match(R"(NOT resource_site = "x" AND resource_class = "network")"));
}

TEST(Unit, FilterInAndNotIn) {
  EXPECT_TRUE(Match(R"(resource_site IN ("dc2", "dc1"))"));
  EXPECT_FALSE(Match(R"(resource_site IN ("dc2", "dc3"))"));
  EXPECT_TRUE(Match(R"(resource_site IN ('dc1'))"));
  EXPECT_FALSE(Match(R"(resource_site NOT IN ("dc1", "dc2"))"));
  EXPECT_TRUE(Match(R"(resource_site NOT IN ("dc2"))"));
  EXPECT_FALSE(Match(R"(resource_site IN ("DC1"))"));  // exact, like =
}

TEST(Unit, FilterLikeWildcardsAndCase) {
  EXPECT_TRUE(Match(R"(resource_class LIKE "net%")"));
  EXPECT_TRUE(Match(R"(resource_class LIKE "NET%")"));
  EXPECT_TRUE(Match(R"(resource_class LIKE "%WORK")"));
  EXPECT_TRUE(Match(R"(resource_class LIKE "n_twork")"));
  EXPECT_FALSE(Match(R"(resource_class LIKE "n_work")"));
  EXPECT_TRUE(Match(R"(resource_endpoint LIKE "%.example.%")"));
  EXPECT_FALSE(Match(R"(resource_class LIKE "net")"));
  EXPECT_TRUE(Match(R"(resource_class NOT LIKE "serv%")"));
  EXPECT_FALSE(Match(R"(resource_class NOT LIKE "net%")"));
}

TEST(Unit, FilterMetadataClauseWorksAnywhereInTheExpression) {
  EXPECT_TRUE(Match(R"(resource_metadata.os LIKE "junos%" AND resource_site = "dc1")"));
  EXPECT_TRUE(Match(R"(resource_site = "dc1" AND resource_metadata.os LIKE "junos%")"));
  EXPECT_TRUE(Match(R"(resource_site = "x" OR resource_metadata.rack = "r12")"));
  EXPECT_FALSE(Match(R"(resource_site = "dc1" AND resource_metadata.rack = "r13")"));
  EXPECT_TRUE(Match(R"(NOT (resource_metadata.rack = "r13") AND resource_metadata.os_version LIKE "18.%")"));
  EXPECT_TRUE(Match(
      R"(resource_class = "x" OR (resource_metadata.rack IN ("r1", "r12") AND resource_type = "juniper"))"));
  // Two metadata clauses combined with OR: the original's SQL translation got this wrong.
  EXPECT_TRUE(Match(R"(resource_metadata.rack = "nope" OR resource_metadata.os = "JunOS")"));
  EXPECT_FALSE(Match(R"(resource_metadata.rack = "r12" AND resource_metadata.os = "eos")"));
}

TEST(Unit, FilterMissingMetadataKeyFailsPositiveAndPassesNegatedClauses) {
  EXPECT_FALSE(Match(R"(resource_metadata.missing = "")"));
  EXPECT_FALSE(Match(R"(resource_metadata.missing LIKE "%")"));
  EXPECT_FALSE(Match(R"(resource_metadata.missing IN ("", "a"))"));
  EXPECT_TRUE(Match(R"(resource_metadata.missing != "a")"));
  EXPECT_TRUE(Match(R"(resource_metadata.missing NOT LIKE "%")"));
  EXPECT_TRUE(Match(R"(resource_metadata.missing NOT IN ("a"))"));
}

TEST(Unit, FilterAcceptsBothQuoteStylesAndTheOtherQuoteInside) {
  Resource r = Switch();
  r.id = R"(it's "quoted")";
  EXPECT_TRUE(Match(R"(resource_id = "it's \"quoted\"")", r));
  EXPECT_TRUE(Match(R"(resource_id = 'it\'s "quoted"')", r));
}

TEST(Unit, FilterBackslashMakesTheNextCharacterLiteral) {
  Resource r = Switch();
  r.id = R"(a\b)";
  EXPECT_TRUE(Match(R"(resource_id = "a\\b")", r));
  EXPECT_FALSE(Match(R"(resource_id = "a\b")", r));  // \b is just 'b'
}

TEST(Unit, FilterMatchesEmptyStrings) {
  Resource r = Switch();
  r.subclass = "";
  EXPECT_TRUE(Match(R"(resource_subclass = "")", r));
  EXPECT_TRUE(Match(R"(resource_subclass LIKE "%")", r));
  EXPECT_FALSE(Match(R"(resource_subclass LIKE "_")", r));
}

TEST(Unit, FilterToStringShowsGrouping) {
  auto filter = ParseFilter(
      R"(not resource_site in ('a',"b") and resource_metadata.Os like "x%" or resource_id != 'q')");
  ASSERT_TRUE(filter.ok()) << filter.status().ToString();
  EXPECT_EQ(
      filter->ToString(),
      R"(((NOT resource_site IN ("a", "b") AND resource_metadata.Os LIKE "x%") OR resource_id != "q"))");
  EXPECT_EQ(filter->expression(),
            R"(not resource_site in ('a',"b") and resource_metadata.Os like "x%" or resource_id != 'q')");
}

TEST(Unit, FilterIsACopyableValue) {
  auto filter = ParseFilter(R"(resource_class LIKE "net%" AND resource_metadata.rack = "r12")");
  ASSERT_TRUE(filter.ok());
  const Filter copy = *filter;
  EXPECT_TRUE(copy.Matches(Switch()));
  Resource other = Switch();
  other.metadata.erase("rack");
  EXPECT_FALSE(copy.Matches(other));
}

TEST(Unit, FilterAcceptsWhitespaceAndNewlines) {
  EXPECT_TRUE(Match("\n  resource_site\t=\"dc1\"\r\n  AND(resource_class='network')  "));
}

}  // namespace
}  // namespace panoptes::resources
