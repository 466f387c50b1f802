#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "config/plugin_file.h"
#include "unit/config/test_util.h"

namespace panoptes::config {
namespace {

namespace fs = std::filesystem;
using testing::Fixture;
using testing::PollingPluginText;
using testing::TempDir;
using testing::WriteFile;

std::vector<std::string> Names(const ScanResult& r) {
  std::vector<std::string> out;
  for (const PluginInfo& p : r.plugins) out.push_back(p.name);
  return out;
}

std::string Describe(const ScanResult& r) {
  std::string out;
  for (const PluginError& e : r.errors) out += "\n  " + e.file + ": " + e.reason;
  return out;
}

TEST(Unit, ScanFindsPluginFilesRecursivelyInPathOrderAndReportsBadOnes) {
  ScanResult r = ScanPaths({"fixtures/plugin_files/scan"}, PluginKind::kPolling, "panoptes-plugin");
  EXPECT_EQ(Names(r), (std::vector<std::string>{"Scan A", "Scan B", "Scan D"})) << Describe(r);
  ASSERT_EQ(r.errors.size(), 1u) << Describe(r);
  EXPECT_EQ(r.errors[0].file, Fixture("plugin_files/scan/nested/deeper/c_broken.panoptes-plugin"));
  EXPECT_EQ(r.errors[0].reason,
            "line 9: [main] execute_frequency = soon: must be an integer in 1..31536000 (seconds)");
}

TEST(Unit, ScanPluginsUsesTheKindPathsAndConfiguredExtension) {
  SiteConfig site;
  site.Kind(PluginKind::kPolling).plugins_paths = {Fixture("plugin_files/scan")};
  site.main.plugins_extension = "panoptes-plugin.example";
  ScanResult r = ScanPlugins(site, PluginKind::kPolling);
  EXPECT_EQ(Names(r), (std::vector<std::string>{"Scan E (not a plugin: wrong extension)"})) << Describe(r);
  EXPECT_TRUE(r.errors.empty()) << Describe(r);
  EXPECT_TRUE(ScanPlugins(site, PluginKind::kDiscovery).plugins.empty()) << "discovery has no paths";
}

TEST(Unit, ScanRejectsSecondFileWithSameNameNamingBothFiles) {
  TempDir dir;
  WriteFile(dir / "b/second.panoptes-plugin", PollingPluginText("Same Name"));
  WriteFile(dir / "a/first.panoptes-plugin", PollingPluginText("Same Name"));
  WriteFile(dir / "c/other.panoptes-plugin", PollingPluginText("Other"));
  ScanResult r = ScanPaths({dir.path()}, PluginKind::kPolling, "panoptes-plugin");
  EXPECT_EQ(Names(r), (std::vector<std::string>{"Same Name", "Other"}));
  EXPECT_EQ(r.plugins.at(0).file, dir / "a/first.panoptes-plugin") << "the first in path order wins";
  ASSERT_EQ(r.errors.size(), 1u) << Describe(r);
  EXPECT_EQ(r.errors[0].file, dir / "b/second.panoptes-plugin");
  EXPECT_EQ(r.errors[0].reason, "duplicate Name 'Same Name': already defined by " +
                                    (dir / "a/first.panoptes-plugin") + "; this file is ignored");
}

TEST(Unit, ScanRejectsNamesThatNormalizeAlike) {
  TempDir dir;
  WriteFile(dir / "1.panoptes-plugin", PollingPluginText("cpu.load"));
  WriteFile(dir / "2.panoptes-plugin", PollingPluginText("cpu load"));
  ScanResult r = ScanPaths({dir.path()}, PluginKind::kPolling, "panoptes-plugin");
  EXPECT_EQ(Names(r), (std::vector<std::string>{"cpu.load"}));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].reason,
            "Name 'cpu load' has the same normalized name 'cpu_load' as Name 'cpu.load' defined by " +
                (dir / "1.panoptes-plugin") + "; this file is ignored");
}

TEST(Unit, ScanFollowsSymlinkedDirectoriesAndReportsLoopsOnce) {
  TempDir dir;
  WriteFile(dir / "root/p.panoptes-plugin", PollingPluginText("Root Plugin"));
  WriteFile(dir / "elsewhere/q.panoptes-plugin", PollingPluginText("Linked Plugin"));
  fs::create_directories(dir / "root/sub");
  fs::create_directory_symlink(dir / "root", dir / "root/sub/loop");
  fs::create_directory_symlink(dir / "elsewhere", dir / "root/link");
  ScanResult r = ScanPaths({dir / "root"}, PluginKind::kPolling, "panoptes-plugin");
  EXPECT_EQ(Names(r), (std::vector<std::string>{"Linked Plugin", "Root Plugin"})) << Describe(r);
  EXPECT_EQ(r.plugins.at(0).file, dir / "root/link/q.panoptes-plugin");
  ASSERT_EQ(r.errors.size(), 1u) << Describe(r);
  EXPECT_EQ(r.errors[0].file, dir / "root/sub/loop");
  EXPECT_EQ(r.errors[0].reason, "directory loop: this is " + (dir / "root") + " again; not scanned twice");
}

TEST(Unit, ScanVisitsADirectoryReachedTwiceOnlyOnce) {
  TempDir dir;
  WriteFile(dir / "shared/s.panoptes-plugin", PollingPluginText("Shared"));
  fs::create_directories(dir / "root");
  fs::create_directory_symlink(dir / "shared", dir / "root/one");
  fs::create_directory_symlink(dir / "shared", dir / "root/two");
  ScanResult r = ScanPaths({dir / "root", dir / "shared"}, PluginKind::kPolling, "panoptes-plugin");
  EXPECT_EQ(Names(r), (std::vector<std::string>{"Shared"}));
  EXPECT_TRUE(r.errors.empty()) << "no duplicate-name error for the same directory" << Describe(r);
}

TEST(Unit, ScanReportsMissingPathsAndBrokenLinksAndCarriesOn) {
  TempDir dir;
  WriteFile(dir / "ok/a.panoptes-plugin", PollingPluginText("Fine"));
  fs::create_symlink(dir / "nowhere.panoptes-plugin", dir / "ok/broken.panoptes-plugin");
  ScanResult r = ScanPaths({dir / "missing", dir / "ok"}, PluginKind::kPolling, "panoptes-plugin");
  EXPECT_EQ(Names(r), (std::vector<std::string>{"Fine"}));
  ASSERT_EQ(r.errors.size(), 2u) << Describe(r);
  EXPECT_EQ(r.errors[0].file, dir / "missing");
  EXPECT_EQ(r.errors[0].reason, "plugins path does not exist or cannot be accessed");
  EXPECT_EQ(r.errors[1].file, dir / "ok/broken.panoptes-plugin");
  EXPECT_EQ(r.errors[1].reason, "cannot access (broken symbolic link?)");
}

TEST(Unit, ScanLoadsAFileNamedExplicitly) {
  ScanResult r = ScanPaths({"fixtures/plugin_files/good/discovery.panoptes-plugin"}, PluginKind::kDiscovery,
                           "panoptes-plugin");
  EXPECT_EQ(Names(r), (std::vector<std::string>{"From JSON File Discovery"})) << Describe(r);
}

// Runs the scan as an unprivileged user when we are root (root reads any directory), in a child.
TEST(Unit, ScanReportsUnreadableDirectoryAndScansTheRest) {
  TempDir dir;
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
  WriteFile(dir / "ok/a.panoptes-plugin", PollingPluginText("Readable"));
  fs::create_directories(dir / "locked");
  fs::permissions(dir / "locked", fs::perms::none);
  fs::permissions(dir / "ok/a.panoptes-plugin", fs::perms::owner_read | fs::perms::others_read);
  auto scan = [&] {
    return ScanPaths({dir / "locked", dir / "ok"}, PluginKind::kPolling, "panoptes-plugin");
  };
  auto check = [&](const ScanResult& r) {
    return r.plugins.size() == 1 && r.errors.size() == 1 && r.errors[0].file == dir / "locked" &&
           r.errors[0].reason == "cannot read directory: Permission denied";
  };
  if (::geteuid() != 0) {
    ScanResult r = scan();
    EXPECT_TRUE(check(r)) << Describe(r);
    return;
  }
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) ::_exit(3);
    ::_exit(check(scan()) ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "as uid 65534: expected one plugin and one 'Permission denied' error "
                                       "(3: could not drop privileges)";
}

}  // namespace
}  // namespace panoptes::config
