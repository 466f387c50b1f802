#include "core/cli.h"

#include <cstdlib>

#include <gtest/gtest.h>

namespace panoptes::core {
namespace {

TEST(Unit, ArgParserReadsOptionsAndPositionals) {
  ArgParser p("prog", "");
  p.Add({"kind", "K", "kind"});
  p.Add({"dry", "", "flag"});
  const char* argv[] = {"prog", "--config=/x.ini", "--kind", "polling", "a", "--dry", "--", "--b"};
  auto r = p.Parse(8, argv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->Get("config"), "/x.ini");
  EXPECT_EQ(r->Get("kind"), "polling");
  EXPECT_TRUE(r->Has("dry"));
  EXPECT_EQ(r->positional, (std::vector<std::string>{"a", "--b"}));
}

TEST(Unit, ArgParserRejectsUnknownOptionAndMissingValue) {
  ArgParser p("prog", "");
  const char* unknown[] = {"prog", "--nope"};
  EXPECT_EQ(p.Parse(2, unknown).status().code(), StatusCode::kInvalidArgument);
  const char* missing[] = {"prog", "--config"};
  auto r = p.Parse(2, missing);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--config"), std::string::npos);
  const char* flag_value[] = {"prog", "--help=yes"};
  EXPECT_FALSE(p.Parse(2, flag_value).ok());
}

TEST(Unit, ConfigPathFallsBackToEnvironmentThenDefault) {
  ParsedArgs none;
  unsetenv("PANOPTES_CONFIG");
  EXPECT_EQ(ResolveConfigPath(none), "/etc/panoptes/panoptes.ini");
  setenv("PANOPTES_CONFIG", "/env.ini", 1);
  EXPECT_EQ(ResolveConfigPath(none), "/env.ini");
  ParsedArgs given;
  given.values["config"] = "/given.ini";
  EXPECT_EQ(ResolveConfigPath(given), "/given.ini");
  unsetenv("PANOPTES_CONFIG");
}

}  // namespace
}  // namespace panoptes::core
