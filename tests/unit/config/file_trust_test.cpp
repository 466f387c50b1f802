// Plugin files, modules and directories that someone other than root or the daemon's user could
// have written are refused, naming the file and its mode; [main] plugins_check_permissions = false
// relaxes it.

#include "config/file_trust.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

#include "config/plugin_file.h"
#include "config/site_config.h"
#include "unit/config/test_util.h"

namespace panoptes::config {
namespace {

using testing::TempDir;
using testing::WriteFile;

bool Mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A polling plugin file and its module in `dir`, both 0644.
std::string WritePlugin(const TempDir& dir, const std::string& rel_dir, const std::string& name) {
  std::string base = dir / rel_dir;
  WriteFile(base + "/" + name + ".py", "# module\n");
  std::string file = base + "/" + name + ".panoptes-plugin";
  WriteFile(
      file,
      "[Core]\nName = " + name + "\nModule = " + name +
          "\n[Documentation]\n[main]\nexecute_frequency = 60\nresource_filter = resource_class = \"x\"\n");
  return file;
}

TEST(Unit, GroupWritablePluginFileIsRefusedNamingTheFileAndItsMode) {
  TempDir dir;
  std::string file = WritePlugin(dir, "p", "gw");
  ASSERT_TRUE(LoadPluginFile(file, PluginKind::kPolling).ok());
  ASSERT_EQ(chmod(file.c_str(), 0664), 0);
  auto refused = LoadPluginFile(file, PluginKind::kPolling);
  ASSERT_FALSE(refused.ok());
  std::string m = refused.status().message();
  EXPECT_EQ(m.rfind(file + ": refused: mode 0664 lets group write the file", 0), 0u) << m;
  EXPECT_TRUE(Mentions(m, "plugins_check_permissions")) << "says how to relax it: " << m;
  EXPECT_TRUE(LoadPluginFile(file, PluginKind::kPolling, PluginFileChecks{.permissions = false}).ok());
}

TEST(Unit, WorldWritableModuleIsRefusedInThePluginFilesError) {
  TempDir dir;
  std::string file = WritePlugin(dir, "p", "ww");
  std::string module = dir / "p/ww.py";
  ASSERT_EQ(chmod(module.c_str(), 0646), 0);
  auto refused = LoadPluginFile(file, PluginKind::kPolling);
  ASSERT_FALSE(refused.ok());
  std::string m = refused.status().message();
  EXPECT_EQ(m.rfind(file + ": " + module + ": refused: mode 0646 lets others write the file", 0), 0u) << m;
}

TEST(Unit, ScanReportsAWritableDirectoryAndLoadsTheRest) {
  TempDir dir;
  WritePlugin(dir, "good", "good");
  WritePlugin(dir, "open", "hidden");
  std::string open = dir / "open";
  ASSERT_EQ(chmod(open.c_str(), 0775), 0);
  ScanResult r = ScanPaths({dir.path()}, PluginKind::kPolling, "panoptes-plugin");
  ASSERT_EQ(r.plugins.size(), 1u);
  EXPECT_EQ(r.plugins[0].name, "good");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].file, open);
  EXPECT_EQ(r.errors[0].reason.rfind("refused: mode 0775 lets group write the directory", 0), 0u)
      << r.errors[0].reason;

  SiteConfig site;
  site.Kind(PluginKind::kPolling).plugins_paths = {dir.path()};
  EXPECT_EQ(ScanPlugins(site, PluginKind::kPolling).plugins.size(), 1u) << "on by default";
  site.main.plugins_check_permissions = false;
  EXPECT_EQ(ScanPlugins(site, PluginKind::kPolling).plugins.size(), 2u) << "relaxed by the site config";
}

TEST(Unit, StickyWorldWritableDirectoryIsAcceptedLikeTmp) {
  TempDir dir;
  std::string file = WritePlugin(dir, "sticky", "s");
  std::string sticky = dir / "sticky";
  ASSERT_EQ(chmod(sticky.c_str(), 01777), 0);
  EXPECT_TRUE(CheckTrusted(sticky).ok());
  EXPECT_TRUE(LoadPluginFile(file, PluginKind::kPolling).ok());
  ASSERT_EQ(chmod(sticky.c_str(), 0777), 0);
  Status st = CheckTrusted(sticky);
  EXPECT_TRUE(Mentions(st.message(), "mode 0777 lets group and others write the directory")) << st.message();
}

TEST(Unit, PluginFileOwnedByAnotherUserIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a file away";
  TempDir dir;
  std::string file = WritePlugin(dir, "p", "theirs");
  ASSERT_EQ(chown(file.c_str(), 4242, 4242), 0);
  auto refused = LoadPluginFile(file, PluginKind::kPolling);
  ASSERT_FALSE(refused.ok());
  std::string m = refused.status().message();
  EXPECT_TRUE(Mentions(m, file + ": refused: the file is owned by uid 4242")) << m;
  EXPECT_TRUE(Mentions(m, "not by root or the daemon's user uid 0 (root)")) << m;
  EXPECT_TRUE(Mentions(m, "mode 0644")) << m;
}

TEST(Unit, PluginsCheckPermissionsIsABooleanKeyDefaultingToTrue) {
  auto by_default = ParseSiteConfig("[main]\nsites = dc1\n", "/etc/panoptes/panoptes.ini");
  ASSERT_TRUE(by_default.ok());
  EXPECT_TRUE(by_default->config.main.plugins_check_permissions);
  auto relaxed = ParseSiteConfig("[main]\nplugins_check_permissions = false\n", "/etc/panoptes/panoptes.ini");
  ASSERT_TRUE(relaxed.ok()) << relaxed.status().ToString();
  EXPECT_FALSE(relaxed->config.main.plugins_check_permissions);
  auto bad = ParseSiteConfig("[main]\nplugins_check_permissions = maybe\n", "/etc/panoptes/panoptes.ini");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "/etc/panoptes/panoptes.ini:2: [main] plugins_check_permissions = maybe: must be true or false");
}

}  // namespace
}  // namespace panoptes::config
