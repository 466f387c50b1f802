// [limits] of plugin files (docs/plugin-files.md): the per-run rlimits of a plugin.
#include <gtest/gtest.h>

#include "config/plugin_file.h"
#include "unit/config/test_util.h"

namespace panoptes::config {
namespace {

Result<PluginInfo> Load(const std::string& limits) {
  testing::TempDir dir;
  std::string path = dir / "t.panoptes-plugin";
  std::string text =
      "[Core]\nName = t\nModule = " + testing::Fixture("plugin_files/modules/polling_example.py") +
      "\n[Documentation]\nAuthor = a\nVersion = 1\nWebsite = w\nDescription = d\n"
      "[main]\nexecute_frequency = 60\nresource_filter = resource_id = \"x\"\n" +
      limits;
  testing::WriteFile(path, text);
  return LoadPluginFile(path, PluginKind::kPolling);
}

TEST(Unit, PluginLimitsAreReadAndUnsetOnesStayTheAgents) {
  auto info = Load("[limits]\ncpu_s = 5\naddress_space_mb = 0\n");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->limits.cpu_s, 5);
  EXPECT_EQ(info->limits.address_space_mb, 0);
  EXPECT_FALSE(info->limits.open_files.has_value());
  auto none = Load("");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->limits, RunLimits{});
}

TEST(Unit, PluginLimitsRejectUnknownKeysAndValuesOutOfRangeNamingThem) {
  struct Case {
    std::string entry, expected;
  };
  for (const Case& c : std::vector<Case>{{"cpu = 5", "[limits] cpu = 5: unknown key"},
                                         {"cpu_s = -1", "[limits] cpu_s = -1"},
                                         {"cpu_s = 86401", "[limits] cpu_s = 86401"},
                                         {"open_files = 8", "[limits] open_files = 8"},
                                         {"address_space_mb = lots", "[limits] address_space_mb = lots"}}) {
    auto info = Load("[limits]\n" + c.entry + "\n");
    ASSERT_FALSE(info.ok()) << c.entry;
    EXPECT_NE(info.status().message().find(c.expected), std::string::npos) << info.status().message();
    EXPECT_NE(info.status().message().find("t.panoptes-plugin:"), std::string::npos)
        << info.status().message();
  }
}

}  // namespace
}  // namespace panoptes::config
