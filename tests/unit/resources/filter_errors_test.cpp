// Every syntax error path of the filter parser: the message gives the 1-based column and what was
// expected.
#include <string>

#include "filter_test_util.h"

namespace panoptes::resources {
namespace {

using testing::ErrorOf;

TEST(Unit, FilterRejectsEmptyExpression) {
  EXPECT_EQ(ErrorOf(""), "column 1: expected a field name, NOT or '(' but found end of input");
  EXPECT_EQ(ErrorOf("   "), "column 4: expected a field name, NOT or '(' but found end of input");
}

TEST(Unit, FilterRejectsUnterminatedString) {
  EXPECT_EQ(ErrorOf(R"(resource_site = "dc1)"), "column 17: unterminated string literal: no closing \"");
  EXPECT_EQ(ErrorOf(R"(resource_site = 'dc1")"), "column 17: unterminated string literal: no closing '");
  EXPECT_EQ(ErrorOf(R"(resource_site = "dc1\")"), "column 17: unterminated string literal: no closing \"");
}

TEST(Unit, FilterRejectsUnknownField) {
  EXPECT_EQ(
      ErrorOf(R"(resource_site = "a" AND resource_name = "b")"),
      "column 25: unknown field 'resource_name' (expected resource_site, resource_class, resource_subclass, "
      "resource_type, resource_id, resource_endpoint, resource_plugin or resource_metadata.<key>)");
  EXPECT_TRUE(
      ErrorOf(R"(resource_metadata. = "b")").starts_with("column 1: unknown field 'resource_metadata.'"));
  EXPECT_TRUE(
      ErrorOf(R"(resource_metadata = "b")").starts_with("column 1: unknown field 'resource_metadata'"));
}

TEST(Unit, FilterRejectsMissingOperand) {
  EXPECT_EQ(ErrorOf("resource_site ="), "column 16: expected a string literal but found end of input");
  EXPECT_EQ(ErrorOf("resource_site = dc1"), "column 17: expected a string literal but found 'dc1'");
  EXPECT_EQ(ErrorOf(R"(resource_site = "a" AND)"),
            "column 24: expected a field name, NOT or '(' but found end of input");
  EXPECT_EQ(ErrorOf(R"(OR resource_site = "a")"),
            "column 1: unknown field 'OR' (expected resource_site, resource_class, "
            "resource_subclass, resource_type, resource_id, resource_endpoint, "
            "resource_plugin or resource_metadata.<key>)");
  EXPECT_EQ(ErrorOf("NOT"), "column 4: expected a field name, NOT or '(' but found end of input");
}

TEST(Unit, FilterRejectsMissingOrBadOperator) {
  EXPECT_EQ(
      ErrorOf(R"(resource_site "a")"),
      "column 15: expected an operator (=, !=, LIKE, NOT LIKE, IN, NOT IN) but found string literal \"a\"");
  EXPECT_EQ(ErrorOf(R"(resource_site NOT = "a")"), "column 19: expected LIKE or IN after NOT but found '='");
  EXPECT_EQ(ErrorOf(R"(resource_site < "a")"), "column 15: unexpected character '<'");
  EXPECT_EQ(ErrorOf(R"(resource_site ! "a")"), "column 15: unexpected character '!'");
}

TEST(Unit, FilterRejectsTrailingInput) {
  EXPECT_EQ(ErrorOf(R"(resource_site = "a" resource_class = "b")"),
            "column 21: expected AND, OR or end of input but found 'resource_class'");
  EXPECT_EQ(ErrorOf(R"(resource_site = "a" "b")"),
            "column 21: expected AND, OR or end of input but found string literal \"b\"");
  EXPECT_EQ(ErrorOf(R"(resource_id LIKE 'IT''%')"),
            "column 22: expected AND, OR or end of input but found string literal \"%\"");
}

TEST(Unit, FilterRejectsEmptyInList) {
  EXPECT_EQ(ErrorOf("resource_site IN ()"),
            "column 19: expected a string literal (an IN list cannot be empty) but found ')'");
}

TEST(Unit, FilterRejectsMalformedInList) {
  EXPECT_EQ(ErrorOf(R"(resource_site IN "a")"),
            "column 18: expected '(' after IN but found string literal \"a\"");
  EXPECT_EQ(ErrorOf(R"(resource_site IN ("a",))"),
            "column 23: expected a string literal after ',' but found ')'");
  EXPECT_EQ(ErrorOf(R"(resource_site IN ("a" "b"))"),
            "column 23: expected ',' or ')' but found string literal \"b\"");
  EXPECT_EQ(ErrorOf(R"(resource_site IN ("a")"), "column 22: expected ',' or ')' but found end of input");
}

TEST(Unit, FilterRejectsUnbalancedParentheses) {
  EXPECT_EQ(ErrorOf(R"((resource_site = "dc1" OR resource_site = "x")"),
            "column 46: expected ')' but found end of input");
  EXPECT_EQ(ErrorOf(R"(resource_site = "dc1")))"),
            "column 22: expected AND, OR or end of input but found ')'");
  EXPECT_EQ(ErrorOf("()"), "column 2: expected a field name, NOT or '(' but found ')'");
}

TEST(Unit, FilterRejectsExcessiveNesting) {
  const std::string deep = std::string(200, '(') + R"(resource_site = "a")" + std::string(200, ')');
  EXPECT_EQ(ErrorOf(deep), "column 65: expression nested deeper than 64");
  const std::string fine = std::string(60, '(') + R"(resource_site = "a")" + std::string(60, ')');
  EXPECT_TRUE(ParseFilter(fine).ok());
}

}  // namespace
}  // namespace panoptes::resources
