#include "agent/plugin_catalog.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "support/redis_server.h"

namespace panoptes::agent {
namespace {

namespace fs = std::filesystem;

std::string PluginText(const std::string& module, int frequency) {
  return "[Core]\nName = cat\nModule = " + module +
         "\n\n[Documentation]\nAuthor = tests\nVersion = 1\nWebsite = https://example.invalid\n"
         "Description = catalog test\n\n[main]\nexecute_frequency = " +
         std::to_string(frequency) + "\nresource_filter = resource_class = \"network\"\ntime_limit = 10\n";
}

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    module_ = dir_.Write("modules/cat.py", "x = 1\n");
    file_ = dir_.Write("polling/cat.panoptes-plugin", PluginText(module_, 60));
    site_.Kind(PluginKind::kPolling).plugins_paths = {dir_.path() + "/polling"};
  }
  // Rewrites the plugin file with another frequency, its mtime clearly newer.
  void Edit(int frequency) {
    dir_.Write("polling/cat.panoptes-plugin", PluginText(module_, frequency));
    fs::last_write_time(file_, fs::file_time_type::clock::now() + std::chrono::seconds(++edits_));
  }
  panoptes::testing::TempDir dir_;
  SiteConfig site_;
  std::string module_, file_;
  int edits_ = 0;
};

TEST_F(CatalogTest, WhileTheZygoteWatchesAnEditCountsOnceTheGenerationMoves) {
  BoardShared shared;
  shared.watching.store(1);
  FilePluginCatalog catalog(site_, PluginKind::kPolling, "w", nullptr, &shared);
  catalog.Rescan();
  ASSERT_NE(catalog.Find("cat"), nullptr);
  EXPECT_EQ(catalog.Find("cat")->execute_frequency, 60);
  Edit(120);
  EXPECT_EQ(catalog.Find("cat")->execute_frequency, 60) << "no stat per task while watched";
  shared.plugin_generation.fetch_add(1);
  EXPECT_EQ(catalog.Find("cat")->execute_frequency, 120) << "the generation moved: the files are looked at";
}

TEST_F(CatalogTest, WithoutAWatchEveryFindLooksAtTheFiles) {
  BoardShared shared;  // watching == 0: no zygote watches
  FilePluginCatalog catalog(site_, PluginKind::kPolling, "w", nullptr, &shared);
  catalog.Rescan();
  ASSERT_NE(catalog.Find("cat"), nullptr);
  Edit(90);
  EXPECT_EQ(catalog.Find("cat")->execute_frequency, 90);
  FilePluginCatalog alone(site_, PluginKind::kPolling, "w", nullptr, nullptr);
  alone.Rescan();
  Edit(30);
  EXPECT_EQ(alone.Find("cat")->execute_frequency, 30);
}

TEST_F(CatalogTest, AFileThatNoLongerLoadsIsDroppedWhenTheGenerationMoves) {
  BoardShared shared;
  shared.watching.store(1);
  FilePluginCatalog catalog(site_, PluginKind::kPolling, "w", nullptr, &shared);
  catalog.Rescan();
  ASSERT_EQ(catalog.All().size(), 1u);
  dir_.Write("polling/cat.panoptes-plugin", "[Core]\nName = cat\n");  // no Module: invalid
  fs::last_write_time(file_, fs::file_time_type::clock::now() + std::chrono::seconds(5));
  shared.plugin_generation.fetch_add(1);
  EXPECT_EQ(catalog.Find("cat"), nullptr);
}

}  // namespace
}  // namespace panoptes::agent
