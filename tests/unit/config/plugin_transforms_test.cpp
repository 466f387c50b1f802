// [transforms] of polling plugin files (docs/plugin-files.md).
#include <gtest/gtest.h>

#include "config/plugin_file.h"
#include "unit/config/test_util.h"

namespace panoptes::config {
namespace {

Result<PluginInfo> Load(const std::string& transforms, PluginKind kind = PluginKind::kPolling) {
  testing::TempDir dir;
  std::string path = dir / "t.panoptes-plugin";
  std::string text =
      "[Core]\nName = t\nModule = " + testing::Fixture("plugin_files/modules/polling_example.py") +
      "\n[Documentation]\nAuthor = a\nVersion = 1\nWebsite = w\nDescription = d\n"
      "[main]\nexecute_frequency = 60\n" +
      std::string(kind == PluginKind::kDiscovery ? "" : "resource_filter = resource_id = \"x\"\n") +
      "[transforms]\n" + transforms;
  testing::WriteFile(path, text);
  return LoadPluginFile(path, kind);
}

TEST(Unit, PluginTransformsKeepsEveryEntryIncludingSameGroupType) {
  auto info =
      Load("a = rate:interface:bytes_in, bytes_out\nb = rate:interface:packets_in\nc = rate:cpu:ticks\n");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->transforms,
            (std::vector<TransformSpec>{{"a", "rate", "interface", {"bytes_in", "bytes_out"}},
                                        {"b", "rate", "interface", {"packets_in"}},
                                        {"c", "rate", "cpu", {"ticks"}}}));
}

TEST(Unit, PluginTransformsRejectsMalformedEntriesNamingTheKey) {
  struct Case {
    std::string entry, expected;
  };
  for (const Case& c : std::vector<Case>{{"x = rate:interface", "must be rate:<group_type>:<metric>"},
                                         {"x = rate:a:b:c", "must be rate:<group_type>:<metric>"},
                                         {"x = delta:interface:bytes", "unknown transform 'delta'"},
                                         {"x = rate::bytes", "group type is empty"},
                                         {"x = rate:interface: , ", "no metric named"}}) {
    auto info = Load(c.entry + "\n");
    ASSERT_FALSE(info.ok()) << c.entry;
    EXPECT_NE(info.status().message().find("[transforms] x = "), std::string::npos)
        << info.status().message();
    EXPECT_NE(info.status().message().find(c.expected), std::string::npos) << info.status().message();
  }
}

TEST(Unit, PluginTransformsOnlyForPollingPlugins) {
  auto info = Load("x = rate:a:b\n", PluginKind::kDiscovery);
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.status().message().find("only polling plugins have transforms"), std::string::npos);
}

}  // namespace
}  // namespace panoptes::config
