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

TEST(Unit, ArgParserKeepsEveryValueOfARepeatedOption) {
  ArgParser p("prog", "");
  p.Add({"secret", "K=V", "a secret"});
  const char* argv[] = {"prog", "--secret", "a=1", "--secret=b=2", "x"};
  auto r = p.Parse(5, argv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->GetAll("secret"), (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_EQ(r->Get("secret"), "b=2") << "Get is the last one";
  EXPECT_TRUE(r->GetAll("config").empty());
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

namespace panoptes::core {
namespace {

TEST(Unit, FindSubcommandSkipsGlobalOptionsAndTheirValues) {
  ArgParser p("prog", "");
  p.Add({"json", "", "flag", true});
  const char* argv[] = {"prog",   "--config", "/x.ini", "--json", "--log-level=debug",
                        "status", "--kind",   "polling"};
  auto at = p.FindSubcommand(8, argv);
  ASSERT_TRUE(at.ok()) << at.status().ToString();
  EXPECT_EQ(*at, 5);
  const char* none[] = {"prog", "--config", "/x.ini"};
  EXPECT_EQ(*p.FindSubcommand(3, none), 3);
}

TEST(Unit, FindSubcommandRejectsASubcommandOptionBeforeTheSubcommandNamingIt) {
  ArgParser p("prog", "");
  const char* argv[] = {"prog", "--kind", "polling", "schedule"};
  auto at = p.FindSubcommand(4, argv);
  ASSERT_FALSE(at.ok());
  EXPECT_NE(at.status().message().find("--kind"), std::string::npos) << at.status().message();
  EXPECT_NE(at.status().message().find("after the subcommand"), std::string::npos) << at.status().message();
}

TEST(Unit, HelpSaysGlobalOptionsGoBeforeOrAfterTheSubcommand) {
  ArgParser p("prog", "SUBCOMMAND");
  p.Add({"kind", "K", "the kind"});
  std::string help = p.Help();
  size_t own = help.find("Options:\n  --kind K");
  size_t global = help.find("Global options (before or after the subcommand");
  ASSERT_NE(own, std::string::npos) << help;
  ASSERT_NE(global, std::string::npos) << help;
  EXPECT_GT(help.find("--config PATH"), global) << "--config is listed as a global option\n" << help;
}

}  // namespace
}  // namespace panoptes::core
