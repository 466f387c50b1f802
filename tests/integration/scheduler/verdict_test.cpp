// `panoptes-ctl check` gives exactly the scheduler's verdict (regressions: check said OK for a
// resource_filter with a syntax error and for a Name already used in another directory of the
// kind), and the scheduler's log shows a plugin file of binary garbage escaped (regression: it was
// echoed raw, terminal escape bytes included).

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/text.h"
#include "integration/scheduler/daemon_process.h"
#include "support/child_process.h"
#include "support/redis_server.h"

namespace panoptes::scheduler {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kFixtures = std::string(PANOPTES_SOURCE_DIR) + "/tests/fixtures/scheduler_plugins";

class VerdictTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start());
    RedisConfig redis = server_.Config();
    for (const char* d : {"p1", "p2"}) {
      fs::create_directories(dir_.path() + "/" + d);
      fs::copy_file(kFixtures + "/good_polling.py", dir_.path() + "/" + d + "/good_polling.py");
    }
    std::ostringstream ini;
    ini << "[main]\nsites = dc1\n[redis]\nport = " << server_.port() << "\nkey_prefix = " << redis.key_prefix
        << "\n[scheduler]\nimport_timeout_s = 5\n[http]\nscheduler_listen = 127.0.0.1:0\n"
        << "[polling]\nplugins_paths = " << dir_.path() << "/p1, " << dir_.path() << "/p2\n";
    config_ = dir_.Write("panoptes.ini", ini.str());
  }
  std::string Plugin(const std::string& relative, const std::string& name, const std::string& filter,
                     const std::string& extra = "") {
    return dir_.Write(relative, "[Core]\nName = " + name + "\nModule = good_polling\n[Documentation]\n" +
                                    "Description = t\n[main]\nexecute_frequency = 60\nresource_filter = " +
                                    filter + "\n" + extra);
  }
  // file -> reason of every plugin `panoptes-ctl check --json` rejects; `accepted` gets the others.
  std::map<std::string, std::string> CheckRejected(std::vector<std::string>& accepted) {
    std::string out =
        testing::RunCommand(std::string(PANOPTES_BINARY_DIR) + "/src/bin/panoptes-ctl --json --config " +
                            config_ + " check 2>/dev/null")
            .out;
    std::map<std::string, std::string> rejected;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      auto j = nlohmann::json::parse(line);
      if (j["status"] == "ok") {
        accepted.push_back(j["file"]);
      } else {
        rejected[j["file"]] = j["reason"];
      }
    }
    return rejected;
  }
  // file -> reason of each "plugin <file> not scheduled: <reason>" line of the scheduler's log.
  std::map<std::string, std::string> LoggedRejections() {
    std::ifstream in(dir_.path() + "/scheduler.log");
    std::map<std::string, std::string> out;
    for (std::string line; std::getline(in, line);) {
      size_t at = line.find("plugin " + dir_.path());
      size_t sep = line.find(" not scheduled: ");
      if (at == std::string::npos || sep == std::string::npos) continue;
      out[line.substr(at + 7, sep - at - 7)] = line.substr(sep + 16);
    }
    return out;
  }
  std::string SchedulerLog() {
    std::ifstream in(dir_.path() + "/scheduler.log");
    return core::EscapeNonPrintable(
        std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
  }
  testing::RedisServer server_;
  testing::TempDir dir_;
  std::string config_;
};

TEST_F(VerdictTest, CheckRejectsExactlyWhatTheSchedulerRejectsWithTheSameReasons) {
  std::string good = Plugin("p1/good.panoptes-plugin", "Alpha", "resource_class = \"network\"");
  Plugin("p2/dup.panoptes-plugin", "Alpha", "resource_class = \"host\"");
  Plugin("p1/filter.panoptes-plugin", "Gamma", "resource_class = \"network\" AND (resource_type = ");
  Plugin("p1/preload.panoptes-plugin", "Delta", "resource_class = \"network\"",
         "[enrichment]\npreload = self\n");
  dir_.Write("p1/garbage.panoptes-plugin", "\x1b[31mRED\x1b]0;title\x07 = \xff\xfe\n[\x1b[2J]\n");

  std::vector<std::string> accepted;
  std::map<std::string, std::string> checked = CheckRejected(accepted);
  EXPECT_EQ(accepted, std::vector<std::string>{good});
  ASSERT_EQ(checked.size(), 4u);
  EXPECT_NE(checked[dir_.path() + "/p2/dup.panoptes-plugin"].find("duplicate Name 'Alpha'"),
            std::string::npos);
  EXPECT_NE(checked[dir_.path() + "/p1/filter.panoptes-plugin"].find("resource_filter: column"),
            std::string::npos);
  EXPECT_NE(checked[dir_.path() + "/p1/preload.panoptes-plugin"].find("preload"), std::string::npos);

  Daemon daemon(config_, dir_.path() + "/scheduler.log", "polling");
  ASSERT_TRUE(testing::WaitUntil([&] { return LoggedRejections().size() >= checked.size(); }, 30s,
                                 "the scheduler logs its rejections"))
      << SchedulerLog();
  std::map<std::string, std::string> logged = LoggedRejections();
  for (const auto& [file, reason] : checked) {
    ASSERT_TRUE(logged.count(file)) << file << " is rejected by check, not by the scheduler";
    EXPECT_EQ(logged[file], core::EscapeNonPrintable(reason)) << file;
  }
  EXPECT_EQ(logged.size(), checked.size());
  EXPECT_EQ(daemon.Terminate(), 0);
}

TEST_F(VerdictTest, BinaryGarbagePluginFileReachesTheSchedulerLogEscaped) {
  std::string file = dir_.Write("p1/garbage.panoptes-plugin",
                                "\x1b]0;pwned\x07\x1b[2J = \xff\n\x9b"
                                "31m\n");
  Daemon daemon(config_, dir_.path() + "/scheduler.log", "polling");
  ASSERT_TRUE(testing::WaitUntil([&] { return LoggedRejections().count(file) == 1; }, 30s,
                                 "the scheduler logs the garbage file's rejection"))
      << SchedulerLog();
  std::ifstream in(dir_.path() + "/scheduler.log");
  std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(log.find('\x1b'), std::string::npos) << "a raw ESC byte in the log";
  EXPECT_EQ(log.find('\x07'), std::string::npos) << "a raw BEL byte in the log";
  EXPECT_NE(log.find("\\x1B]0;pwned\\x07"), std::string::npos) << log;
  EXPECT_TRUE(core::IsPrintable(LoggedRejections()[file]));
  EXPECT_EQ(daemon.Terminate(), 0);
}

}  // namespace
}  // namespace panoptes::scheduler
