#include "scheduler/validator.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "config/plugin_file.h"

namespace panoptes::scheduler {
namespace {

namespace fs = std::filesystem;

// Plugin files whose module text tells the fake check what to do: OK, FAIL, CRASH, HANG.
class PluginDir {
 public:
  PluginDir() {
    char tmpl[] = "/tmp/panoptes-validator-XXXXXX";
    root_ = mkdtemp(tmpl);
  }
  ~PluginDir() { fs::remove_all(root_); }
  PluginInfo Add(const std::string& name, const std::string& behaviour) {
    std::ofstream(root_ + "/" + name + ".py") << behaviour;
    std::ofstream(root_ + "/" + name + ".panoptes-plugin")
        << "[Core]\nName = " << name << "\nModule = " << name << "\n[Documentation]\nDescription = t\n"
        << "[main]\nexecute_frequency = 60\nresource_filter = resource_class = 'x'\n";
    auto info = config::LoadPluginFile(root_ + "/" + name + ".panoptes-plugin", PluginKind::kPolling);
    EXPECT_TRUE(info.ok()) << info.status().ToString();
    return *info;
  }

 private:
  std::string root_;
};

Status FakeCheck(const PluginInfo& info) {
  std::ifstream in(info.module_path);
  std::string what((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (what == "FAIL") return Status::PythonError("SyntaxError at line 3");
  if (what == "CRASH") raise(SIGSEGV);
  if (what == "EXIT") _exit(3);
  if (what == "HANG") std::this_thread::sleep_for(std::chrono::hours(1));
  return Status::Ok();
}

std::unique_ptr<CodeValidator> StartValidator(std::chrono::seconds timeout = std::chrono::seconds(1)) {
  auto v = CodeValidator::Start({nullptr, FakeCheck}, timeout);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return std::move(*v);
}

TEST(Unit, ValidatorReportsEachPluginAndIsolatesCrashersAndHangers) {
  PluginDir dir;
  std::vector<PluginInfo> plugins = {dir.Add("a", "OK"),   dir.Add("b", "CRASH"), dir.Add("c", "OK"),
                                     dir.Add("d", "FAIL"), dir.Add("e", "HANG"),  dir.Add("f", "EXIT"),
                                     dir.Add("g", "OK")};
  auto validator = StartValidator();
  auto start = std::chrono::steady_clock::now();
  auto results = validator->Validate(plugins);
  ASSERT_EQ(results.size(), plugins.size());
  EXPECT_TRUE(results[0].ok());
  EXPECT_NE(results[1].message().find("crashed"), std::string::npos) << results[1].message();
  EXPECT_NE(results[1].message().find("signal 11"), std::string::npos) << results[1].message();
  EXPECT_TRUE(results[2].ok());
  EXPECT_EQ(results[3].message(), "SyntaxError at line 3");
  EXPECT_NE(results[4].message().find("did not finish within 1 s"), std::string::npos)
      << results[4].message();
  EXPECT_NE(results[5].message().find("exit code 3"), std::string::npos) << results[5].message();
  EXPECT_TRUE(results[6].ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(Unit, ValidatorCachesByFileAndMtimes) {
  PluginDir dir;
  std::vector<PluginInfo> plugins = {dir.Add("a", "OK"), dir.Add("b", "FAIL")};
  auto validator = StartValidator();
  auto first = validator->Validate(plugins);
  EXPECT_EQ(validator->imports(), 2u);
  auto second = validator->Validate(plugins);
  EXPECT_EQ(validator->imports(), 2u) << "an unchanged plugin was imported again";
  EXPECT_TRUE(second[0].ok());
  EXPECT_EQ(second[1].message(), first[1].message());
  plugins[1].module_mtime_ns += 1;
  (void)validator->Validate(plugins);
  EXPECT_EQ(validator->imports(), 3u) << "a changed module was not imported again";
}

TEST(Unit, ValidatorInitFailureFailsTheBatchWithItsReason) {
  PluginDir dir;
  auto v = CodeValidator::Start({[] { return Status::PythonError("no interpreter"); }, FakeCheck},
                                std::chrono::seconds(1));
  ASSERT_TRUE(v.ok());
  auto results = (*v)->Validate({dir.Add("a", "OK"), dir.Add("b", "OK")});
  for (const Status& st : results) EXPECT_EQ(st.message(), "no interpreter");
}

}  // namespace
}  // namespace panoptes::scheduler
