#include "core/dir_watch.h"

#include <poll.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace panoptes::core {
namespace {

namespace fs = std::filesystem;

class TempTree {
 public:
  TempTree() {
    char tmpl[] = "/tmp/panoptes-dirwatch-XXXXXX";
    root_ = mkdtemp(tmpl);
  }
  ~TempTree() { fs::remove_all(root_); }
  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

// Waits (bounded) for the watcher to report a change.
bool ChangeSeen(DirWatch& w, std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{w.fd(), POLLIN, 0};
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
            .count());
    if (poll(&p, 1, std::max(left, 1)) > 0 && w.Drain()) return true;
  }
  return false;
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(Unit, DirWatchSeesCreateModifyRenameDelete) {
  TempTree t;
  auto w = DirWatch::Create("test");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->Watch({t.root()}), 1u);
  Write(t.root() + "/a.panoptes-plugin", "x");
  EXPECT_TRUE(ChangeSeen(**w)) << "create not seen";
  Write(t.root() + "/a.panoptes-plugin", "y");
  EXPECT_TRUE(ChangeSeen(**w)) << "modify not seen";
  fs::rename(t.root() + "/a.panoptes-plugin", t.root() + "/b.panoptes-plugin");
  EXPECT_TRUE(ChangeSeen(**w)) << "rename not seen";
  fs::remove(t.root() + "/b.panoptes-plugin");
  EXPECT_TRUE(ChangeSeen(**w)) << "delete not seen";
  EXPECT_FALSE(ChangeSeen(**w, std::chrono::milliseconds(100))) << "change reported with nothing changed";
}

TEST(Unit, DirWatchWatchesNewSubdirectoriesRecursively) {
  TempTree t;
  fs::create_directories(t.root() + "/a/b");
  auto w = DirWatch::Create("test");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->Watch({t.root()}), 3u);
  Write(t.root() + "/a/b/deep.py", "x");
  EXPECT_TRUE(ChangeSeen(**w)) << "file in an existing subdirectory not seen";
  fs::create_directories(t.root() + "/new");
  EXPECT_TRUE(ChangeSeen(**w)) << "new directory not seen";
  EXPECT_EQ((*w)->watched(), 4u);
  Write(t.root() + "/new/x.panoptes-plugin", "x");
  EXPECT_TRUE(ChangeSeen(**w)) << "file in a new subdirectory not seen";
}

TEST(Unit, DirWatchSkipsMissingRootsAndPicksThemUpLater) {
  TempTree t;
  auto w = DirWatch::Create("test");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->Watch({t.root() + "/later"}), 0u);
  fs::create_directories(t.root() + "/later");
  EXPECT_EQ((*w)->Watch({t.root() + "/later"}), 1u);
  Write(t.root() + "/later/p.py", "x");
  EXPECT_TRUE(ChangeSeen(**w));
}

TEST(Unit, DirWatchWatchesFlatDirectoriesWithoutTheirSubdirectories) {
  TempTree t;
  fs::create_directories(t.root() + "/modules/deep");
  auto w = DirWatch::Create("test");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->Watch({}, {t.root() + "/modules"}), 1u);
  Write(t.root() + "/modules/plugin.py", "x");
  EXPECT_TRUE(ChangeSeen(**w)) << "a module change not seen";
  fs::create_directories(t.root() + "/modules/new");
  EXPECT_TRUE(ChangeSeen(**w));
  EXPECT_EQ((*w)->watched(), 1u) << "a flat directory's new subdirectory was watched";
  Write(t.root() + "/modules/deep/x.py", "x");
  EXPECT_FALSE(ChangeSeen(**w, std::chrono::milliseconds(100)));
}

}  // namespace
}  // namespace panoptes::core
