#include "agent/file_watch.h"

#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "support/redis_server.h"

namespace panoptes::agent {
namespace {

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(Unit, FileWatchSeesAWriteOnceAndThenNothing) {
  testing::TempDir dir;
  std::string file = dir.path() + "/plugin.py";
  Write(file, "x = 1\n");
  FileWatch watch;
  watch.Add(file);
  ASSERT_TRUE(watch.active());
  EXPECT_FALSE(watch.Changed()) << "nothing happened yet";
  Write(file, "x = 2\n");
  EXPECT_TRUE(watch.Changed());
  EXPECT_FALSE(watch.Changed()) << "the events were drained";
}

TEST(Unit, FileWatchSeesAFileReplacedByRename) {
  testing::TempDir dir;
  std::string file = dir.path() + "/plugin.py";
  Write(file, "x = 1\n");
  FileWatch watch;
  watch.Add(file);
  Write(file + ".tmp", "x = 2\n");
  ASSERT_EQ(std::rename((file + ".tmp").c_str(), file.c_str()), 0);
  EXPECT_TRUE(watch.Changed()) << "an editor's write-and-rename must count as a change";
}

TEST(Unit, FileWatchIsInactiveWhenAFileCannotBeWatchedUntilReset) {
  testing::TempDir dir;
  FileWatch watch;
  watch.Add(dir.path() + "/missing.py");
  EXPECT_FALSE(watch.active()) << "the worker must fall back to stat calls";
  watch.Reset();
  EXPECT_TRUE(watch.active());
}

}  // namespace
}  // namespace panoptes::agent
